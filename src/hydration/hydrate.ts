import { rm } from 'node:fs/promises';
import pLimit from 'p-limit';
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import type { RepositoryContext } from '../repository/context.js';
import { extensionsRefusal } from '../protocol/pointer.js';
import { listLfsFiles } from '../repository/lfs-files.js';
import { HydratedSet } from './hydrated-set.js';
import { fsPath } from '../util/path-bytes.js';
import { pathspecMatches } from './pathspec-match.js';
import { IndexUpdate } from './refresh-index.js';
import { byPath, classifyFiles, requireWorktree, type ClassifiedFile } from './status.js';
import { commitTempFile, hasExactBytesSync, holdsObject, modeForGit, replaceFile, sameSnapshot, snapshotSync, tempFileFor, type FsPath } from './worktree-file.js';

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
  onProgress?: (progress: HydrateProgress) => void;
  signal?: AbortSignal;
}

export interface SkippedFile {
  path: string;
  // `modified`: local edits, never overwritten; `missing`: deleted from the working tree.
  reason: 'modified' | 'missing';
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

// Gives the pointer files among `pathspecs` (root-relative) their content: objects missing from
// the local store are fetched from the bucket (verified), then each file is replaced atomically,
// but only while it is still exactly the committed pointer. Files with local edits are reported,
// never overwritten. Fetch failures are reported per file, not thrown.
export async function hydrate(ctx: RepositoryContext, pathspecs: readonly string[], options: HydrateOptions = {}): Promise<HydrateReport> {
  const root = requireWorktree(ctx);
  if (pathspecs.length === 0) throw new LfsLazyError('name the paths to hydrate (`.` for all)', { code: ErrorCode.BadRequest });
  const jobs = options.jobs ?? DEFAULT_HYDRATE_JOBS;
  if (!Number.isInteger(jobs) || jobs < 1) throw new LfsLazyError(`jobs must be a positive integer, got ${jobs}`, { code: ErrorCode.BadRequest });

  // The store (and the AWS SDK behind it) loads while git lists the files; opening contacts
  // nothing, and a failure is reported below only if something has to be fetched.
  ctx.remote().catch(() => undefined);
  const files = await listLfsFiles(root, pathspecs);
  // Remembered first: an interrupted or partly failed run still states what should be hydrated.
  if (options.remember !== false) await HydratedSet.update(ctx.paths.commonDir, (set) => set.add(pathspecs));
  const classified = await classifyFiles(root, files, pathspecs);
  const report: HydrateReport = {
    pathspecs: [...pathspecs],
    unmatched: pathspecs.filter((p) => !files.some((f) => pathspecMatches(p, f.path))),
    hydrated: [],
    alreadyHydrated: classified.filter((c) => c.state === 'hydrated').map((c) => c.file.path),
    skipped: classified.flatMap((c) => (c.state === 'modified' || c.state === 'missing' ? [{ path: c.file.path, reason: c.state }] : [])),
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
  const byOid = groupByOid(pointers.filter((c) => c.file.pointer.extensions.length === 0));
  const toFetch = new Set<string>();
  for (const [oid, group] of byOid) {
    if (await ctx.local.has(oid, group[0]!.file.pointer.size)) report.alreadyLocal++;
    else toFetch.add(oid);
  }
  // A bad storage config is one error for the run, not one per file.
  if (toFetch.size > 0) await ctx.remote();

  const progress = new ProgressCounter([...byOid.values()].reduce((n, group) => n + group.length, 0), byOid, toFetch, options.onProgress);
  const limit = pLimit(jobs);
  const index = new IndexUpdate(root);
  // Hydrated by a run killed before it updated the index: re-indexed now, so `git status` is clean.
  for (const c of classified) if (c.indexStale) index.refresh(c.file.path);
  try {
    await Promise.all(
      [...byOid].map(([oid, group]) => {
        const run = { fetch: toFetch.has(oid), report, progress, index, signal: options.signal };
        return limit(() => hydrateObject(ctx, root, group, run));
      }),
    );
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

// One object: into the local store (unless there already), then over each pointer file using it.
// The first file's new content is written while the object downloads, not copied afterwards.
async function hydrateObject(
  ctx: RepositoryContext,
  root: string,
  group: readonly ClassifiedFile[],
  run: { fetch: boolean; report: HydrateReport; progress: ProgressCounter; index: IndexUpdate; signal: AbortSignal | undefined },
): Promise<void> {
  const { report, progress, signal } = run;
  const { oid, size } = group[0]!.file.pointer;
  const first = fsPath(root, group[0]!.file.path);
  let firstTemp: FsPath | undefined;
  let objectPath: string;
  try {
    signal?.throwIfAborted();
    firstTemp = await tempFileFor(first);
    objectPath = await ctx.local.ensure(() => ctx.remote(), oid, size, {
      logger: ctx.logger,
      from: ctx.readCache,
      onProgress: (bytes) => progress.bytes(oid, bytes),
      copyTo: { path: firstTemp, mode: modeOf(group[0]!) },
      ...(signal && { signal }),
    });
    if (run.fetch) {
      report.fetched.objects++;
      report.fetched.bytes += size;
      ctx.logger.debug({ oid, size }, 'fetched');
    }
  } catch (err) {
    if (firstTemp !== undefined) await rm(firstTemp, { force: true });
    for (const c of group) report.failed.push({ path: c.file.path, oid, error: messageOf(err) });
    progress.filesDone(group.length);
    return;
  }
  for (const [i, c] of group.entries()) {
    try {
      const target = fsPath(root, c.file.path);
      const mode = modeOf(c);
      // The re-check right before the rename keeps an edit made since the scan read the pointer.
      const stillPointer = (): boolean => unchangedSince(target, c);
      const written =
        i === 0 ? await commitTempFile(firstTemp, target, mode, stillPointer) : await replaceFile(target, { copyOf: objectPath }, mode, stillPointer);
      if (written.replaced) {
        report.hydrated.push(c.file.path);
        run.index.wrote(c.file.path, c.file.blob, written.stat);
      } else if (await holdsObject(target, oid, size)) {
        // Another hydrate (or a checkout) gave it its content meanwhile.
        report.alreadyHydrated.push(c.file.path);
        run.index.refresh(c.file.path);
      } else report.skipped.push({ path: c.file.path, reason: 'modified' });
    } catch (err) {
      report.failed.push({ path: c.file.path, oid, error: messageOf(err) });
    }
    progress.filesDone(1);
  }
}

// The file's own permission bits are kept.
function modeOf(c: ClassifiedFile): number {
  return c.snapshot?.mode ?? modeForGit(c.file.mode);
}

// Still the pointer the scan read: the same inode with the same size, mtime and ctime (any write
// or replacement changes them), or, should the stat differ (a touch), the same bytes.
function unchangedSince(target: FsPath, c: ClassifiedFile): boolean {
  return sameSnapshot(c.snapshot, snapshotSync(target)) || hasExactBytesSync(target, c.file.pointerBytes);
}

function groupByOid(files: readonly ClassifiedFile[]): Map<string, ClassifiedFile[]> {
  const groups = new Map<string, ClassifiedFile[]>();
  for (const c of files) {
    const group = groups.get(c.file.pointer.oid);
    if (group) group.push(c);
    else groups.set(c.file.pointer.oid, [c]);
  }
  return groups;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Sums per-object byte counts (a retried download restarts from 0: the count never goes back).
class ProgressCounter {
  private readonly perOid = new Map<string, number>();
  private done = 0;
  private bytesDone = 0;
  private bytesTotal: number;

  constructor(
    private readonly filesTotal: number,
    byOid: Map<string, ClassifiedFile[]>,
    toFetch: ReadonlySet<string>,
    private readonly emit: ((progress: HydrateProgress) => void) | undefined,
  ) {
    this.bytesTotal = 0;
    for (const oid of toFetch) this.bytesTotal += byOid.get(oid)?.[0]?.file.pointer.size ?? 0;
    this.send();
  }

  bytes(oid: string, bytesSoFar: number): void {
    const before = this.perOid.get(oid) ?? 0;
    if (bytesSoFar <= before) return;
    this.perOid.set(oid, bytesSoFar);
    this.bytesDone += bytesSoFar - before;
    this.send();
  }

  filesDone(count: number): void {
    this.done += count;
    this.send();
  }

  private send(): void {
    this.emit?.({ filesDone: this.done, filesTotal: this.filesTotal, bytesDone: this.bytesDone, bytesTotal: this.bytesTotal });
  }
}
