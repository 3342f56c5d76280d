import type { Command } from '../command.js';
import { parseJobs, parseOptions, stringOption } from '../parse-options.js';
import { count, formatBytes } from '../progress-bar.js';
import { toRootPathspec } from '../../hydration/pathspec-match.js';
import { FILE_STATES, status, type StatusReport } from '../../hydration/status.js';
import { openRepositoryContext, type RepositoryContext } from '../../repository/context.js';
import { pathToBytes } from '../../util/path-bytes.js';
import { pathQuoter, type PathQuoter } from '../../util/quote-path.js';

const usage = [
  'usage: lfs-lazy status [--json] [--remote [-j N]] [pathspec...]',
  '',
  'Lists the LFS files the pathspecs select (all by default), with paths from the repository root:',
  '  state   pointer  — the file is the committed pointer (content not in the working tree)',
  '          hydrated — the file holds the content',
  '          modified — the file was changed locally',
  '          missing  — the file was deleted from the working tree',
  '          sparse   — outside the sparse checkout: git does not check it out',
  '  size    the size of the content',
  '  local   whether the object is in the local LFS store',
  '  set     * when the path is in the hydrated set (kept hydrated on checkout)',
  '  --remote     also check that the bucket has each object (one HEAD request per object)',
  '  -j, --jobs N concurrent bucket requests (default 16)',
  '  --json       print {"files": [...], "totals": {...}} on stdout',
].join('\n');

export const command: Command = {
  summary: 'per LFS path: state, size, local/remote presence',
  usage,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      { json: { type: 'boolean' }, remote: { type: 'boolean' }, jobs: { type: 'string', short: 'j' } },
      usage,
    );
    const ctx = await openRepositoryContext(io.cwd, { env: io.env, log: { name: 'lfs-lazy', quiet: true } });
    // No pathspec: the whole repository, from any directory, as with git status.
    const pathspecs = positionals.map((p) => toRootPathspec(ctx.paths.prefix, p, ctx.paths.worktree));
    let report: StatusReport;
    let readCache: ReadCacheUsage;
    try {
      report = await status(ctx, pathspecs, { remote: values.remote === true, jobs: parseJobs(stringOption(values, 'jobs'), 16) });
      readCache = await ctx.readCache.usage();
    } finally {
      ctx.close();
    }
    for (const problem of report.ignoredPatterns) io.stderr.write(`lfs-lazy status: ${problem}\n`);
    // JSON escapes names itself (a byte that is not UTF-8 as \udcXX); the table and notes quote them as git does.
    const show = pathQuoter(ctx.paths.config);
    if (report.outsideLfs.length > 0) io.stderr.write(pathToBytes(`lfs-lazy status: ${outsideLfsWarning(report.outsideLfs, show)}\n`));
    const text = (): Buffer => pathToBytes(`${table(report, show)}${cacheLine(readCache)}`);
    io.stdout.write(values.json ? `${JSON.stringify({ ...report, readCache }, null, 2)}\n` : text());
    return 0;
  },
};

type ReadCacheUsage = Awaited<ReturnType<RepositoryContext['readCache']['usage']>>;

function cacheLine({ bytes, objects, budget }: ReadCacheUsage): string {
  return `read cache: ${count(objects, 'object')}, ${formatBytes(bytes)} of ${formatBytes(budget)} (lfs-lazy.cachesize; lfs-lazy prune-cache empties it)\n`;
}

function table(report: StatusReport, show: PathQuoter): string {
  const withRemote = report.totals.remote !== undefined;
  const yesNo = (v: boolean | undefined): string => (v ? 'yes' : 'no');
  const rows = report.files.map((f) => {
    const remote = withRemote ? [yesNo(f.remote)] : [];
    return [f.state, formatBytes(f.size), yesNo(f.local), ...remote, f.inHydratedSet ? '*' : '', show(f.path)];
  });
  const header = ['state', 'size', 'local', ...(withRemote ? ['remote'] : []), 'set', 'path'];
  // reduce, not Math.max(...rows): a spread of 100,000 rows overflows the stack.
  const widths = header.map((h, i) => rows.reduce((w, r) => Math.max(w, r[i]!.length), h.length));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  const t = report.totals;
  const states = FILE_STATES
    .filter((s) => t.states[s].files > 0 || s === 'hydrated' || s === 'pointer')
    .map((s) => `${t.states[s].files} ${s} (${formatBytes(t.states[s].bytes)})`)
    .join(', ');
  let totals = `${count(t.files, 'LFS file')}, ${formatBytes(t.bytes)}: ${states}; `;
  totals += `${t.local.files} with the object in the local store (${formatBytes(t.local.bytes)})`;
  if (t.remote) totals += `; ${t.remote.files} in the bucket, ${t.files - t.remote.files} not`;
  const body = rows.length > 0 ? [line(header), ...rows.map(line)].join('\n') + '\n\n' : '';
  return `${body}${totals}\n`;
}

// Files whose committed text is an LFS pointer while .gitattributes does not send them through LFS:
// a file about LFS (a test fixture), or one `git lfs untrack` left as its pointer, whose content a
// commit (`git add --renormalize`) would then leave out of the repository (docs/lazy-policy.md).
function outsideLfsWarning(paths: readonly string[], show: PathQuoter): string {
  const named = paths.slice(0, 5).map(show).join(', ') + (paths.length > 5 ? `, and ${paths.length - 5} more` : '');
  const one = paths.length === 1;
  return (
    `${count(paths.length, 'file')} ${one ? 'holds' : 'hold'} an LFS pointer as ${one ? 'its' : 'their'} committed text but ${one ? 'is' : 'are'} not sent through LFS by .gitattributes, ` +
    `so to git that text is ${one ? 'its' : 'their'} content: ${named}. Expected of a file about LFS; if \`git lfs untrack\` left ${one ? 'it' : 'them'} so, ` +
    `the content is not in the working tree: track ${one ? 'it' : 'them'} again and hydrate before untracking (docs/lazy-policy.md, "Leaving LFS")`
  );
}
