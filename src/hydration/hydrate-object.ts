import { statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { messageOf } from '../errors/index.js';
import { blobId } from '../git/blob-id.js';
import { fsPath, type FsPath } from '../util/path-bytes.js';
import type { RepositoryContext } from '../repository/context.js';
import type { HydrateReport } from './hydrate.js';
import type { ProgressCounter } from './hydrate-progress.js';
import type { IndexUpdate } from './refresh-index.js';
import type { ClassifiedFile } from './status.js';
import { hasExactBytesSync, holdsObject, modeForGit, sameSnapshot, snapshotSync } from './worktree-file.js';
import { WORKTREE_TEMP_MODE, type WorktreeWriter } from './worktree-writer.js';

// The work of `hydrate` for one object: fetch (or find) it, then give each of its pointer files
// its content.

export interface Run {
  ctx: RepositoryContext;
  writer: WorktreeWriter;
  report: HydrateReport;
  progress: ProgressCounter;
  index: IndexUpdate;
  signal: AbortSignal | undefined;
}

// The pointer files naming one oid, by the size each declares. Usually one size; two pointers
// that disagree cannot both be right, and each must be judged by its own.
export interface ObjectWork {
  oid: string;
  groups: Map<number, ClassifiedFile[]>;
  // The object's size when the local store has it (verified), else undefined.
  localSize: number | undefined;
}

// One oid: the object into the local store (unless there already), then over each pointer file.
// Declared sizes are tried one after another, the local copy's first; once one is verified, the
// pointers declaring another size are wrong, whatever their own attempt said (a size mismatch
// blamed on the bucket's copy): they fail naming that, and never advise deleting a good object.
export async function hydrateOid(work: ObjectWork, run: Run): Promise<void> {
  const { oid, groups } = work;
  let knownSize = work.localSize;
  const failures: Array<{ group: ClassifiedFile[]; error: string }> = [];
  // Which size to try first: the local copy's, else (several sizes, nothing local) the bucket's,
  // which spares downloading the object against a size it does not have. Only a hint: the
  // download still verifies.
  const likely = knownSize ?? (groups.size > 1 ? await bucketSize(run, oid) : undefined);
  const sizes = [...groups.keys()].sort((a, b) => Number(b === likely) - Number(a === likely));
  for (const size of sizes) {
    const group = groups.get(size)!;
    if (knownSize !== undefined && size !== knownSize) {
      failures.push({ group, error: '' });
      continue;
    }
    const error = await hydrateObject(group, run);
    if (error === undefined) knownSize = size;
    else failures.push({ group, error });
  }
  for (const { group, error } of failures) {
    const size = group[0]!.file.pointer.size;
    const message =
      knownSize !== undefined
        ? `its pointer says the object is ${size} bytes, but object ${oid} is ${knownSize} bytes (verified): the committed pointer is wrong, the object is fine`
        : error;
    for (const c of group) {
      // A modified file that is another version's pointer stays what the user has, as any
      // modified file does, when that version's content cannot be had.
      if (c.otherPointer) {
        run.report.skipped.push({ path: c.file.path, reason: 'modified' });
        run.ctx.logger.debug({ path: c.file.path, oid, error: message }, 'hydrate: the pointer of another version left as it is');
      } else run.report.failed.push({ path: c.file.path, oid, error: message });
    }
    run.progress.filesDone(group.length);
  }
}

async function bucketSize(run: Run, oid: string): Promise<number | undefined> {
  try {
    return (await (await run.ctx.remote()).stat(oid, run.signal))?.size;
  } catch {
    return undefined; // the downloads will say what is wrong
  }
}

// The size of the local store's copy of `oid` when it is a size some pointer declares (trusted, as
// everywhere: objects enter the store only verified), or, failing that, when it hashes to the
// oid; else undefined (absent, or someone's partial write).
export async function verifiedLocalSize(ctx: RepositoryContext, oid: string, declared: readonly number[]): Promise<number | undefined> {
  let size: number;
  try {
    size = statSync(ctx.local.pathFor(oid)).size;
  } catch {
    return undefined;
  }
  if (declared.includes(size)) return size;
  return (await holdsObject(ctx.local.pathFor(oid), oid, size)) ? size : undefined;
}

// One object at the size its pointers declare: into the local store (unless there already), then
// over each of these pointer files. The first file's new content is written while the object
// downloads, not copied afterwards. Returns the error when the object could not be had (the
// files are left to the caller to report), else undefined.
async function hydrateObject(group: readonly ClassifiedFile[], run: Run): Promise<string | undefined> {
  const { ctx, writer, report, progress, signal } = run;
  const { oid, size } = group[0]!.file.pointer;
  let firstTemp: FsPath | undefined;
  let objectPath: string;
  try {
    signal?.throwIfAborted();
    // An object in the read cache (an earlier `cat`) is moved over, not fetched again.
    const wasLocal = (await ctx.local.has(oid, size)) || (await ctx.readCache.has(oid, size));
    firstTemp = await writer.tempFor(group[0]!.file.path);
    objectPath = await ctx.local.ensure(() => ctx.remote(), oid, size, {
      logger: ctx.logger,
      from: ctx.readCache,
      onProgress: (bytes) => progress.bytes(`${oid} ${size}`, bytes),
      copyTo: { path: firstTemp, mode: WORKTREE_TEMP_MODE },
      ...(signal && { signal }),
    });
    if (!wasLocal) {
      report.fetched.objects++;
      report.fetched.bytes += size;
      ctx.logger.debug({ oid, size }, 'fetched');
    }
  } catch (err) {
    if (firstTemp !== undefined) await rm(firstTemp, { force: true });
    return messageOf(err);
  }
  for (const [i, c] of group.entries()) {
    const path = c.file.path;
    try {
      const mode = modeOf(c);
      // The re-check right before the rename keeps an edit made since the scan read the pointer.
      const stillPointer = (): boolean => unchangedSince(fsPath(writer.root, path), c);
      const written = i === 0 ? await writer.commit(firstTemp, path, mode, stillPointer) : await writer.replace(path, { copyOf: objectPath }, mode, stillPointer);
      // The index entry of another version's pointer names a different blob: never handed to git,
      // which would stage the file (refresh-index.ts).
      const indexed = c.otherPointer === undefined;
      if (written.replaced) {
        report.hydrated.push(path);
        if (indexed) run.index.wrote(path, c.file.blob, written.stat);
        else run.index.wroteIfIndexed(path, await blobId(c.otherPointer!.bytes, c.file.blob), written.stat);
      } else if (written.gone) {
        report.skipped.push({ path, reason: 'missing' });
      } else if (await holdsObject(fsPath(writer.root, path), oid, size)) {
        // Another hydrate (or a checkout) gave it its content meanwhile.
        report.alreadyHydrated.push(path);
        if (indexed) run.index.refresh(path);
      } else report.skipped.push({ path, reason: 'modified' });
    } catch (err) {
      report.failed.push({ path, oid, error: messageOf(err) });
    }
    progress.filesDone(1);
  }
  return undefined;
}

// The file's own permission bits are kept.
function modeOf(c: ClassifiedFile): number {
  return c.snapshot?.mode ?? modeForGit(c.file.mode);
}

// Still the pointer the scan read: the same inode with the same size, mtime and ctime (any write
// or replacement changes them), or, should the stat differ (a touch), the same bytes.
function unchangedSince(target: FsPath, c: ClassifiedFile): boolean {
  return sameSnapshot(c.snapshot, snapshotSync(target)) || hasExactBytesSync(target, c.pointerInWorktree ?? c.file.pointerBytes);
}

