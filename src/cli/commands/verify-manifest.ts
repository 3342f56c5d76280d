import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from '../command.js';
import { parseOptions } from '../parse-options.js';
import { parseManifest, verifyManifest, type VerifyProblem } from '../../dataset/manifest.js';
import { LfsLazyError } from '../../errors/index.js';
import { resolveRepositoryPaths } from '../../git/repository-paths.js';
import { pathToBytes } from '../../util/path-bytes.js';
import { pathQuoter, type PathQuoter } from '../../util/quote-path.js';

const usage = [
  'usage: lfs-lazy verify-manifest [--json] FILE',
  '',
  'Checks the current checkout against a manifest written by `lfs-lazy manifest --json`: every',
  'listed file must be in the working tree with the listed content — as content, or as the LFS',
  'pointer to it (pointers are not downloaded) — and no other file may be in the index under the',
  "manifest's pathspecs. Exit 0 only when everything matches; 1 with one line per difference.",
  '  --json   {"ok", "fingerprint", "checked", "problems": [{"path", "problem", "expected", "actual"}], "head"}',
].join('\n');

function describe(p: VerifyProblem, show: PathQuoter): string {
  if (p.problem === 'missing') return `missing   ${show(p.path)}`;
  if (p.problem === 'extra') return `extra     ${show(p.path)} (not in the manifest)`;
  const found = p.actual?.oid ? `${p.actual.oid} ${p.actual.size}` : `size ${p.actual?.size}`;
  return `modified  ${show(p.path)} (expected ${p.expected?.oid} ${p.expected?.size}, found ${found})`;
}

export const command: Command = {
  summary: 'check that the checkout matches a dataset manifest (exit 0 only if it does)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseOptions(args, { json: { type: 'boolean' } }, usage);
    if (positionals.length !== 1) throw new LfsLazyError(`expected one manifest file\n${usage}`);
    const file = resolve(io.cwd, positionals[0]!);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new LfsLazyError(`cannot read ${positionals[0]}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    const manifest = parseManifest(text, positionals[0]!);
    const result = await verifyManifest(io.cwd, manifest);
    if (values.json) {
      io.stdout.write(JSON.stringify(result, null, 2) + '\n');
    } else if (result.ok) {
      io.stdout.write(`ok: ${result.checked} files match fingerprint ${result.fingerprint}\n`);
    } else {
      const show = pathQuoter((await resolveRepositoryPaths(io.cwd)).config);
      io.stdout.write(pathToBytes(result.problems.map((p) => describe(p, show)).join('\n') + '\n'));
      io.stderr.write(`lfs-lazy verify-manifest: the checkout does not match ${positionals[0]}: ${result.problems.length} difference${result.problems.length === 1 ? '' : 's'}\n`);
    }
    if (result.ok && result.head !== undefined && result.head !== manifest.commit && !values.json) {
      io.stderr.write(`lfs-lazy verify-manifest: note: the data matches, at commit ${result.head} (the manifest was made at ${manifest.commit})\n`);
    }
    return result.ok ? 0 : 1;
  },
};
