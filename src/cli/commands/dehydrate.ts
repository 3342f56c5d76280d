import type { Command } from '../command.js';
import { parseOptions } from '../parse-options.js';
import { count, formatBytes, listPaths } from '../progress-bar.js';
import { ErrorCode, LfsLazyError } from '../../errors/index.js';
import { dehydrate, type DehydrateReport } from '../../hydration/dehydrate.js';
import { MATCHED_NO_LFS_FILE, toRootPathspec } from '../../hydration/pathspec-match.js';
import { openRepositoryContext } from '../../repository/context.js';
import { nestedRepositoryAdvice } from '../../repository/nested-repository.js';
import { pathToBytes } from '../../util/path-bytes.js';
import { pathQuoter, type PathQuoter } from '../../util/quote-path.js';

const usage = [
  'usage: lfs-lazy dehydrate [--prune] [--json] <pathspec>...',
  '',
  'Turns the unmodified hydrated LFS files the pathspecs select back into their committed pointer',
  "files and takes the pathspecs out of the clone's hydrated set. Files with local edits are",
  'reported and left alone, and so are files whose objects the bucket does not have yet (push',
  'first). The objects stay in the local LFS store, unless:',
  '  --prune   also delete their local objects, where no other path still holds the content and',
  '            the bucket has a copy (checked first)',
  '  --json    print a machine-readable report on stdout',
].join('\n');

export const command: Command = {
  summary: 'turn unmodified hydrated files back into pointers',
  usage,
  async run(args, io) {
    const { values, positionals } = parseOptions(args, { prune: { type: 'boolean' }, json: { type: 'boolean' } }, usage);
    if (positionals.length === 0) {
      throw new LfsLazyError(`name the paths to dehydrate ('.' for everything)\n${usage}`, { code: ErrorCode.BadRequest });
    }
    const ctx = await openRepositoryContext(io.cwd, { env: io.env, log: { name: 'lfs-lazy', quiet: true } });
    const pathspecs = positionals.map((p) => toRootPathspec(ctx.paths.prefix, p, ctx.paths.worktree));
    let report: DehydrateReport;
    try {
      report = await dehydrate(ctx, pathspecs, { prune: values.prune === true });
    } finally {
      ctx.close();
    }
    const show = pathQuoter(ctx.paths.config);
    for (const pathspec of report.unmatched) io.stderr.write(pathToBytes(`lfs-lazy dehydrate: ${unmatchedNote(ctx.paths.worktree, pathspec, show)}\n`));
    for (const f of report.failed) io.stderr.write(pathToBytes(`lfs-lazy dehydrate: ${show(f.path)}: ${f.error}\n`));
    for (const k of report.kept) io.stderr.write(pathToBytes(`lfs-lazy dehydrate: kept the object of ${show(k.path)}: ${k.reason}\n`));
    if (report.bucketError) io.stderr.write(`lfs-lazy dehydrate: cannot ask the bucket whether it has the objects (${report.bucketError}): their files stay content\n`);
    else if (report.skipped.some((s) => s.reason === 'unpushed')) io.stderr.write('lfs-lazy dehydrate: the bucket does not have the objects of the unpushed files yet: git push, then dehydrate them\n');
    io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : pathToBytes(`${summary(report, values.prune === true, show)}\n`));
    return report.failed.length > 0 ? 1 : 0;
  },
};

// e.g. "dehydrated 12 files, 3 already pointers, skipped 1 modified file: a/b.json; pruned 12 objects (34.5 MB)"
function summary(r: DehydrateReport, prune: boolean, show: PathQuoter): string {
  let line = `dehydrated ${count(r.dehydrated.length, 'file')}`;
  if (r.alreadyPointers.length > 0) line += `, ${r.alreadyPointers.length} already ${r.alreadyPointers.length === 1 ? 'a pointer' : 'pointers'}`;
  for (const reason of ['modified', 'missing', 'staged', 'unpushed'] as const) {
    const paths = r.skipped.filter((s) => s.reason === reason).map((s) => show(s.path));
    if (paths.length > 0) line += `, skipped ${count(paths.length, `${reason} file`)}: ${listPaths(paths)}`;
  }
  // Not in the working tree by the user's choice, as with git: counted, not listed.
  const sparse = r.skipped.filter((s) => s.reason === 'sparse').length;
  if (sparse > 0) line += `, ${count(sparse, 'file')} outside the sparse checkout`;
  if (r.failed.length > 0) line += `, ${r.failed.length} failed`;
  if (prune) {
    line += `; pruned ${count(r.pruned.objects, 'local object')} (${formatBytes(r.pruned.bytes)})`;
    if (r.kept.length > 0) line += `, kept ${r.kept.length}`;
  }
  return line;
}

// Why a pathspec selected nothing, when it can be told: a path of a submodule (a repository of its own).
function unmatchedNote(root: string | undefined, pathspec: string, show: PathQuoter): string {
  const nested = root === undefined ? undefined : nestedRepositoryAdvice(root, pathspec);
  return nested ?? `pathspec ${show(pathspec)} ${MATCHED_NO_LFS_FILE}; nothing was dehydrated for it`;
}
