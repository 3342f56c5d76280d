import type { Command } from '../command.js';
import { parseOptions, stringOption } from '../parse-options.js';
import { manifestForCommand } from '../../dataset/manifest.js';
import { resolveRepositoryPaths } from '../../git/repository-paths.js';
import { pathToBytes } from '../../util/path-bytes.js';
import { pathQuoter } from '../../util/quote-path.js';

const usage = [
  'usage: lfs-lazy manifest [--rev REV] [--json] [--] [pathspec…]',
  '',
  'The files behind `lfs-lazy fingerprint` (same selection rules), with the commit: store it',
  'beside a trained model, and check a checkout against it later with lfs-lazy verify-manifest.',
  '  --json   the manifest as JSON (the format verify-manifest reads; docs/dataset-versions.md)',
  'Without --json: a header line, then "<oid> <size> <path>" per file (paths quoted as git quotes them).',
].join('\n');

export const command: Command = {
  summary: 'list the (path, oid, size) behind a fingerprint, with the commit (--json to store it)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseOptions(args, { rev: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const rev = stringOption(values, 'rev');
    const manifest = await manifestForCommand(io.cwd, positionals, rev, (what) => io.stderr.write(`lfs-lazy manifest: warning: ${what}
`));
    if (values.json) {
      io.stdout.write(JSON.stringify(manifest, null, 2) + '\n');
    } else {
      const lines = [`# ${manifest.scheme} ${manifest.fingerprint} commit ${manifest.commit}: ${manifest.count} files, ${manifest.bytes} bytes`];
      const show = pathQuoter((await resolveRepositoryPaths(io.cwd)).config);
      for (const f of manifest.files) lines.push(`${f.oid} ${f.size} ${show(f.path)}`);
      io.stdout.write(pathToBytes(lines.join('\n') + '\n'));
    }
    return 0;
  },
};
