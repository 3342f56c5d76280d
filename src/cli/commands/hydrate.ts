import type { Command } from '../command.js';
import { parseJobs, parseOptions, stringOption } from '../parse-options.js';
import { count, formatBytes, listPaths, progressBar } from '../progress-bar.js';
import { ErrorCode, LfsLazyError } from '../../errors/index.js';
import { DEFAULT_HYDRATE_JOBS, hydrate, type HydrateReport } from '../../hydration/hydrate.js';
import { toRootPathspec } from '../../hydration/pathspec-match.js';
import { openRepositoryContext } from '../../repository/context.js';
import { pathToBytes } from '../../util/path-bytes.js';
import { pathQuoter, type PathQuoter } from '../../util/quote-path.js';

const usage = [
  'usage: lfs-lazy hydrate [-j N] [--json] [--ignore-unmatch] <pathspec>...',
  '',
  'Fetches the content of the LFS files the pathspecs select (relative to the current directory;',
  "git wildcards: 'data/*.json' — quote them — or a directory: data/train) straight from the bucket,",
  'verified, into the local LFS store, and replaces their pointer files with it. The pathspecs join',
  "the clone's hydrated set: later checkouts and pulls keep these paths hydrated. Files with local",
  'edits are reported and never overwritten. Running it again downloads nothing.',
  `  -j, --jobs N   concurrent downloads (default ${DEFAULT_HYDRATE_JOBS})`,
  '  --json         print a machine-readable report on stdout',
  '  --ignore-unmatch  keep a pathspec that matches no LFS file yet, for later checkouts',
  '                 (without it, such a pathspec is refused, as git add refuses one)',
].join('\n');

export const command: Command = {
  summary: 'fetch and materialise the content of these paths; they stay hydrated',
  usage,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      { jobs: { type: 'string', short: 'j' }, json: { type: 'boolean' }, 'ignore-unmatch': { type: 'boolean' } },
      usage,
    );
    if (positionals.length === 0) {
      throw new LfsLazyError(`name the paths to hydrate ('.' for everything)\n${usage}`, { code: ErrorCode.BadRequest });
    }
    const jobs = parseJobs(stringOption(values, 'jobs'), DEFAULT_HYDRATE_JOBS);
    const ctx = await openRepositoryContext(io.cwd, { env: io.env, log: { name: 'lfs-lazy', quiet: true } });
    const pathspecs = positionals.map((p) => toRootPathspec(ctx.paths.prefix, p, ctx.paths.worktree));
    const abort = new AbortController();
    const onInterrupt = (): void => abort.abort();
    // Ctrl-C stops the downloads and lets every temp file be removed; a second one kills.
    process.once('SIGINT', onInterrupt);
    const bar = progressBar(io.stderr, 'hydrate');
    let report: HydrateReport;
    try {
      report = await hydrate(ctx, pathspecs, { jobs, keepUnmatched: values['ignore-unmatch'] === true, onProgress: (p) => bar.update(p), signal: abort.signal });
    } finally {
      bar.done();
      process.removeListener('SIGINT', onInterrupt);
      ctx.close();
    }
    for (const spec of report.unmatched) {
      io.stderr.write(`lfs-lazy hydrate: no LFS file matches ${JSON.stringify(spec)} (kept in the hydrated set for later checkouts)\n`);
    }
    const show = pathQuoter(ctx.paths.config);
    // A Ctrl-C that came once all the work was done interrupted nothing.
    const interrupted = abort.signal.aborted && report.failed.length > 0;
    if (interrupted) io.stderr.write(`lfs-lazy hydrate: interrupted; ${count(report.failed.length, 'file')} left as pointers\n`);
    else for (const f of report.failed) io.stderr.write(pathToBytes(`lfs-lazy hydrate: ${show(f.path)}: ${f.error}\n`));
    io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : pathToBytes(`${summary(report, show)}\n`));
    if (interrupted) return 130;
    return report.failed.length > 0 ? 1 : 0;
  },
};

// e.g. "hydrated 12 files (34.5 MB fetched, 3 already local), skipped 1 modified file: a/b.json"
export function summary(r: HydrateReport, show: PathQuoter): string {
  const fetched = r.fetched.objects > 0 ? `${formatBytes(r.fetched.bytes)} fetched` : 'nothing fetched';
  let line = `hydrated ${count(r.hydrated.length, 'file')} (${fetched}, ${r.alreadyLocal} already local)`;
  if (r.alreadyHydrated.length > 0) line += `, ${r.alreadyHydrated.length} already hydrated`;
  for (const reason of ['modified', 'missing'] as const) {
    const paths = r.skipped.filter((s) => s.reason === reason).map((s) => show(s.path));
    if (paths.length > 0) line += `, skipped ${count(paths.length, `${reason} file`)}: ${listPaths(paths)}`;
  }
  // Not in the working tree by the user's choice, as with git: counted, not listed.
  const sparse = r.skipped.filter((s) => s.reason === 'sparse').length;
  if (sparse > 0) line += `, ${count(sparse, 'file')} outside the sparse checkout`;
  if (r.failed.length > 0) line += `, ${r.failed.length} failed`;
  return line;
}

