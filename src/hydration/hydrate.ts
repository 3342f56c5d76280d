import { getMaxListeners, setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import { requireWorktree, type RepositoryContext } from '../repository/context.js';
import { extensionsRefusal } from '../protocol/pointer.js';
import { listWorktreeLfsFiles, listWorktreePointers } from '../repository/lfs-files.js';
import { HydratedSet } from './hydrated-set.js';
import { hydrateOid, verifiedLocalSize, type ObjectWork, type Run } from './hydrate-object.js';
import { ProgressCounter } from './hydrate-progress.js';
import { gitPathspec, MATCHED_NO_LFS_FILE, unmatchedPathspecs } from './pathspec-match.js';
import { IndexUpdate } from './refresh-index.js';
import { byPath, classifyFiles, type ClassifiedFile } from './status.js';
import { untrackedPointers } from './untracked-pointers.js';
import { nestedRepositoryAdvice } from '../repository/nested-repository.js';
import { worktreeWriterFor } from './worktree-writer.js';

// Concurrent object fetches by default: the knee of a measurement against s3rver on 127.0.0.1
// (2 cores, fetch phase only, docs/lazy-policy.md): 24 × 4 MiB 895 → 486 ms from 1 to 8 jobs, no
// better beyond; 200 × 4 KiB 1240 → 518 ms at 8, 352 ms at 32. Also git-lfs's own default.
export const DEFAULT_HYDRATE_JOBS = 8;

export interface HydrateProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface HydrateOptions {
  // Concurrent fetches from the bucket; default DEFAULT_HYDRATE_JOBS.
  jobs?: number;
  // Add the pathspecs to the hydrated set, so later checkouts keep them hydrated (default true).
  remember?: boolean;
  // A pathspec that selects no LFS file is refused (a typo, or files git-lfs does not track), as
  // `git add` refuses one; with this it is kept in the hydrated set for later checkouts instead.
  keepUnmatched?: boolean;
  onProgress?: (progress: HydrateProgress) => void;
  signal?: AbortSignal;
}

export interface SkippedFile {
  path: string;
  // `modified`: local edits, never overwritten; `missing`: deleted from the working tree;
  // `sparse`: outside the sparse checkout (git does not check it out); `staged` (dehydrate): a
  // staged change no commit holds yet, whose object a pointer would leave to `git lfs prune`;
  // `unpushed` (dehydrate): the bucket does not have the object (or could not be asked), so as a
  // pointer its content would be left to the local store alone.
  reason: 'modified' | 'missing' | 'sparse' | 'staged' | 'unpushed';
}

export interface FailedFile {
  path: string;
  oid: string;
  error: string;
}

export interface HydrateReport {
  // Root-relative patterns, as added to the hydrated set.
  pathspecs: string[];
  // Pathspecs that selected no LFS file (kept in the set all the same, for later checkouts).
  unmatched: string[];
  // Files given their content by this run.
  hydrated: string[];
  alreadyHydrated: string[];
  skipped: SkippedFile[];
  failed: FailedFile[];
  fetched: { objects: number; bytes: number };
  // Objects needed by this run that were in the local store already.
  alreadyLocal: number;
}

async function unmatchedError(root: string, unmatched: readonly string[]): Promise<LfsLazyError> {
  const named = unmatched.map((p) => `'${p}'`).join(', ');
  for (const pathspec of unmatched) {
    const nested = nestedRepositoryAdvice(root, pathspec);
    if (nested !== undefined) return new LfsLazyError(`nothing was hydrated: ${nested}`, { code: ErrorCode.BadRequest });
  }
  const untracked = await untrackedPointers(root, unmatched);
  if (untracked.length > 0) {
    const first = untracked[0]!;
    return new LfsLazyError(
      `'${first}' holds an LFS pointer but is not tracked by git, and hydrate gives content only to files git tracks: ` +
        `\`git add -- '${first}'\` stages it as the pointer it is; then hydrate it`,
      { code: ErrorCode.BadRequest },
    );
  }
  const outside = (await listWorktreePointers(root, unmatched.map(gitPathspec))).outsideLfs;
  if (outside.length > 0) {
    // A file about LFS (a test fixture), or one `git lfs untrack` left as its pointer text.
    return new LfsLazyError(
      `pathspec ${named} did not match any LFS file: '${outside[0]!.path}' holds an LFS pointer as its committed text, but ` +
        '.gitattributes does not send it through LFS, so to git that text is its content and hydrate leaves it; nothing was hydrated — ' +
        'if `git lfs untrack` left it so, track it again (`git lfs track`) and hydrate it (docs/lazy-policy.md, "Leaving LFS")',
      { code: ErrorCode.BadRequest },
    );
  }
  return new LfsLazyError(
    `pathspec ${named} ${MATCHED_NO_LFS_FILE}; nothing was hydrated — ` +
      'to select such paths for later checkouts anyway: lfs-lazy hydrate --ignore-unmatch',
    { code: ErrorCode.BadRequest },
  );
}

// Abort listeners one fetch may add to the caller's signal (the SDK's request, its body, our own).
const LISTENERS_PER_REQUEST = 4;

// Gives the pointer files among `pathspecs` (root-relative) their content: objects missing from
// the local store are fetched from the bucket (verified), then each file is replaced atomically,
// but only while it is still exactly the committed pointer. Files with local edits are reported,
// never overwritten. Fetch failures are reported per file, not thrown.
export async function hydrate(ctx: RepositoryContext, pathspecs: readonly string[], options: HydrateOptions = {}): Promise<HydrateReport> {
  const root = requireWorktree(ctx);
  if (pathspecs.length === 0) throw new LfsLazyError('name the paths to hydrate (`.` for all)', { code: ErrorCode.BadRequest });
  const jobs = options.jobs ?? DEFAULT_HYDRATE_JOBS;
  if (!Number.isInteger(jobs) || jobs < 1) throw new LfsLazyError(`jobs must be a positive integer, got ${jobs}`, { code: ErrorCode.BadRequest });
  // Every request in flight listens to the one signal (the SDK adds a listener per request and per
  // body): `jobs` of them at once is the design, not a leak, so Node must not warn of one past 10.
  const { signal } = options;
  if (signal && getMaxListeners(signal) !== 0 && getMaxListeners(signal) < jobs * LISTENERS_PER_REQUEST) setMaxListeners(jobs * LISTENERS_PER_REQUEST, signal);

  const files = await listWorktreeLfsFiles(root, pathspecs.map(gitPathspec));
  const unmatched = unmatchedPathspecs(pathspecs, files.map((f) => f.path));
  if (unmatched.length > 0 && options.keepUnmatched !== true) throw await unmatchedError(root, unmatched);
  // Remembered first: an interrupted or partly failed run still states what should be hydrated.
  if (options.remember !== false) await HydratedSet.update(ctx.paths.commonDir, (set) => set.add(pathspecs));
  const classified = await classifyFiles(root, files, pathspecs);
  // A modified file that is the pointer of another version is given that version's content, which
  // cleans to the same pointer: git sees the same change (ClassifiedFile.otherPointer).
  const otherVersions = classified.filter((c) => c.state === 'modified' && c.otherPointer !== undefined);
  const report: HydrateReport = {
    pathspecs: [...pathspecs],
    unmatched,
    hydrated: [],
    alreadyHydrated: classified.filter((c) => c.state === 'hydrated').map((c) => c.file.path),
    skipped: classified.flatMap((c) => ((c.state === 'modified' && !c.otherPointer) || c.state === 'missing' || c.state === 'sparse' ? [{ path: c.file.path, reason: c.state }] : [])),
    failed: [],
    fetched: { objects: 0, bytes: 0 },
    alreadyLocal: 0,
  };

  // A pointer with git-lfs extensions needs them applied to its object: lfs-lazy does not, so the
  // file stays a pointer (as the smudge filter leaves it) and is reported.
  const pointers = classified.filter((c) => c.state === 'pointer');
  for (const c of pointers) {
    const refusal = extensionsRefusal(c.file.pointer);
    if (refusal) report.failed.push({ path: c.file.path, oid: c.file.pointer.oid, error: refusal });
  }
  const byOid = groupByObject([...pointers.filter((c) => c.file.pointer.extensions.length === 0), ...otherVersions.map(asPointerOfItsVersion)]);
  const objects: ObjectWork[] = [];
  let bytesToFetch = 0;
  for (const [oid, groups] of byOid) {
    const localSize = await verifiedLocalSize(ctx, oid, [...groups.keys()]);
    if (localSize !== undefined) report.alreadyLocal++;
    else for (const size of groups.keys()) bytesToFetch += size;
    // The store (and the AWS SDK behind it, ~100 ms to load) only once something has to be
    // fetched, loading while the other objects are checked; opening it contacts nothing, and a
    // failure is reported below.
    if (localSize === undefined) ctx.remote().catch(() => undefined);
    objects.push({ oid, groups, localSize });
  }
  // A bad storage config is one error for the run, not one per file.
  if (objects.some((o) => o.localSize === undefined)) await ctx.remote();

  const progress = new ProgressCounter(
    objects.reduce((n, o) => n + [...o.groups.values()].reduce((m, group) => m + group.length, 0), 0),
    bytesToFetch,
    options.onProgress,
  );
  const limit = pLimit(jobs);
  const index = new IndexUpdate(root, { indexFile: ctx.paths.indexFile });
  index.leaveUnmerged(files);
  const writer = worktreeWriterFor(root, ctx.paths);
  // Hydrated by a run killed (or still running) before it updated the index: re-indexed now, so `git status` is clean.
  for (const c of classified) if (c.indexStale) index.refresh(c.file.path);
  try {
    const run: Run = { ctx, writer, report, progress, index, signal: options.signal };
    await Promise.all(objects.map((work) => limit(() => hydrateOid(work, run))));
  } finally {
    const indexed = await index.finish();
    ctx.logger.debug({ ...indexed, hydrated: report.hydrated.length, failed: report.failed.length, fetched: report.fetched }, 'hydrate: index updated');
  }
  report.hydrated.sort();
  report.alreadyHydrated.sort();
  report.skipped.sort(byPath);
  report.failed.sort(byPath);
  return report;
}

// A modified file that is the pointer of another version, as the pointer file of that version.
function asPointerOfItsVersion(c: ClassifiedFile): ClassifiedFile {
  const { pointer, bytes } = c.otherPointer!;
  return { ...c, state: 'pointer', file: { ...c.file, pointer, pointerBytes: bytes }, pointerInWorktree: bytes };
}

// oid → declared size → files.
function groupByObject(files: readonly ClassifiedFile[]): Map<string, Map<number, ClassifiedFile[]>> {
  const byOid = new Map<string, Map<number, ClassifiedFile[]>>();
  for (const c of files) {
    const { oid, size } = c.file.pointer;
    let bySize = byOid.get(oid);
    if (!bySize) byOid.set(oid, (bySize = new Map()));
    const group = bySize.get(size);
    if (group) group.push(c);
    else bySize.set(size, [c]);
  }
  return byOid;
}
