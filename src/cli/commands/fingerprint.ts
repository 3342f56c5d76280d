import type { Command } from '../command.js';
import { parseOptions, stringOption } from '../parse-options.js';
import { manifestForCommand } from '../../dataset/manifest.js';

const usage = [
  'usage: lfs-lazy fingerprint [--rev REV] [--json] [--] [pathspec…]',
  '',
  'The dataset version of the selected files: one SHA-256 over the sorted (path, oid, size) of every',
  'regular file the pathspecs select at REV (default HEAD), from LFS pointers and git blobs — nothing',
  'is downloaded. Pathspecs are relative to the current directory, as in git (none: all files',
  'under it). Same commit and pathspecs, same fingerprint, in any clone. Prints 64 hex characters;',
  'with --json: {"fingerprint", "scheme", "commit", "count", "bytes"}.',
  'Recomputing it by hand, and recording it beside a model: docs/dataset-versions.md.',
].join('\n');

export const command: Command = {
  summary: 'dataset version: a stable hash over (path, oid, size) of the selected files',
  usage,
  async run(args, io) {
    const { values, positionals } = parseOptions(args, { rev: { type: 'string' }, json: { type: 'boolean' } }, usage);
    const rev = stringOption(values, 'rev');
    const manifest = await manifestForCommand(io.cwd, positionals, rev, (what) => io.stderr.write(`lfs-lazy fingerprint: warning: ${what}
`));
    const { fingerprint, scheme, commit, count, bytes } = manifest;
    io.stdout.write(values.json ? JSON.stringify({ fingerprint, scheme, commit, count, bytes }) + '\n' : `${fingerprint}\n`);
    return 0;
  },
};
