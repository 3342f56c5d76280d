import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { git } from '../git/git.js';
import { ErrorCode, LfsLazyError, messageOf } from '../errors/index.js';
import { requireWorktree, type RepositoryContext } from '../repository/context.js';
import { listLfsFiles, listWorktreeLfsFiles, type LfsFile } from '../repository/lfs-files.js';
import { fsPath } from '../util/path-bytes.js';
import type { FailedFile, SkippedFile } from './hydrate.js';
import { askBucket, type BucketAnswers } from './bucket-answers.js';
import { loadDehydratedObjects, recordDehydratedObjects } from './dehydrated-objects.js';
import { HydratedSet } from './hydrated-set.js';
import { assertValidPattern, gitPathspec, unmatchedPathspecs } from './pathspec-match.js';
import { IndexUpdate } from './refresh-index.js';
import { askModifiedOnce, byPath, classifyFiles, type ClassifiedFile } from './status.js';
import { hasExactBytes, leadingDirectoriesAreReal, modeForGit, sameSnapshot, snapshotSync } from './worktree-file.js';
import { worktreeWriterFor, type Replaced, type WorktreeWriter } from './worktree-writer.js';

export interface DehydrateOptions {
  // Also delete the local objects of these files, where that loses nothing (see pruneObjects).
  prune?: boolean;
  // Concurrent bucket checks (whether the bucket has an object); default 16.
  jobs?: number;
  signal?: AbortSignal;
}

export interface KeptObject {
  oid: string;
  path: string;
  reason: string;
}

export interface DehydrateReport {
  pathspecs: string[];
  // Pathspecs that selected no LFS file (a typo, or a path of a submodule): told, not an error,
  // since nothing of the user's is at stake (they are kept out of the hydrated set all the same).
  unmatched: string[];
  // Files turned back into their pointer by this run.
  dehydrated: string[];
  alreadyPointers: string[];
  skipped: SkippedFile[];
  // Files that could not be rewritten (permissions, disk full…): left as they were.
  failed: FailedFile[];
  // With `prune`: local objects deleted, and those kept with the reason.
  pruned: { objects: number; bytes: number };
  kept: KeptObject[];
  // Why the bucket could not be asked whether it has the objects (their files stay content).
  bucketError?: string;
}

// Turns the unmodified hydrated files among `pathspecs` (root-relative) back into their exact
// committed pointer bytes and takes the pathspecs out of the hydrated set. A file edited since it
// was hydrated is reported and left alone.
export async function dehydrate(ctx: RepositoryContext, pathspecs: readonly string[], options: DehydrateOptions = {}): Promise<DehydrateReport> {
  const root = requireWorktree(ctx);
  if (pathspecs.length === 0) throw new LfsLazyError('name the paths to dehydrate (`.` for all)', { code: ErrorCode.BadRequest });
  // Refused before any file changes: the set could not record the exclusion afterwards.
  pathspecs.forEach(assertValidPattern);
  // Asked now: git compares the index with HEAD while the files are listed.
  const staged = stagedPaths(root, pathspecs);
  staged.catch(() => undefined);
  const files = await listWorktreeLfsFiles(root, pathspecs.map(gitPathspec));
  const askModified = askModifiedOnce(root, pathspecs);
  const classified = await classifyFiles(root, files, pathspecs, askModified);
  const report: DehydrateReport = {
    pathspecs: [...pathspecs],
    unmatched: unmatchedPathspecs(pathspecs, files.map((f) => f.path)),
    dehydrated: [],
    alreadyPointers: classified.filter((c) => c.state === 'pointer').map((c) => c.file.path),
    skipped: classified.flatMap((c) => (c.state === 'modified' || c.state === 'missing' || c.state === 'sparse' ? [{ path: c.file.path, reason: c.state }] : [])),
    failed: [],
    pruned: { objects: 0, bytes: 0 },
    kept: [],
  };

  // Pointers written by a run killed before its index refresh: git lists them as modified (their
  // size differs from the index's stat data) until they are re-indexed. Asked before any file is
  // written (none of these is), beside the other git run; the classification's answer if it asked.
  const pointers = new Set(report.alreadyPointers);
  const modifiedPointers = pointers.size > 0 ? askModified() : Promise.resolve(new Set<string>());
  modifiedPointers.catch(() => undefined);
  // A staged change is held by the index alone, and `git lfs prune` ignores the index: as a pointer
  // its content could be deleted from the only place it is. It stays content until committed.
  const stagedSet = await staged;
  const hydrated = classified.filter((c) => c.state === 'hydrated' && c.file.pointer.size > 0);
  for (const c of hydrated) if (stagedSet.has(c.file.path)) report.skipped.push({ path: c.file.path, reason: 'staged' });
  // Only content the bucket has becomes a pointer. A commit of a local branch naming a local
  // object does not keep it for long: `git reset --soft HEAD~1`, a rebase or a deleted branch
  // leaves the pointer in the working tree and the object to `git lfs prune`. Unpushed content
  // stays content until it is pushed.
  const committed = hydrated.filter((c) => !stagedSet.has(c.file.path));
  const bucket = await askBucket(ctx, committed.map((c) => c.file.pointer.oid), options);
  const inBucket = (c: ClassifiedFile): boolean => bucket.get(c.file.pointer.oid) === c.file.pointer.size;
  for (const c of committed) if (!inBucket(c)) report.skipped.push({ path: c.file.path, reason: 'unpushed' });
  const unanswered = [...bucket.values()].find((answer) => answer instanceof Error);
  if (unanswered) report.bucketError = messageOf(unanswered).split('\n')[0] ?? '';
  const index = new IndexUpdate(root, { indexFile: ctx.paths.indexFile });
  index.leaveUnmerged(files);
  const writer = worktreeWriterFor(root, ctx.paths);
  for (const c of committed.filter(inBucket)) {
    // Stopping early still updates the set and the index for what was done.
    if (options.signal?.aborted) break;
    try {
      const written = await writePointer(ctx, writer, c);
      if (written.replaced) {
        report.dehydrated.push(c.file.path);
        index.wrote(c.file.path, c.file.blob, written.stat);
      } else report.skipped.push({ path: c.file.path, reason: written.gone ? 'missing' : 'modified' });
    } catch (err) {
      report.failed.push({ path: c.file.path, oid: c.file.pointer.oid, error: messageOf(err) });
    }
  }

  // `!pathspec` goes last in the set: the files stay pointers on later checkouts, whatever the
  // committed defaults select and whether or not their objects are local.
  await HydratedSet.update(ctx.paths.commonDir, (set) => set.remove(pathspecs));
  // ...but only for the objects asked to go (dehydrated-objects.ts): other content stays content.
  await recordAskedToGo(ctx, files.filter((f) => !stagedSet.has(f.path)), new Set(report.dehydrated), bucket, options);
  for (const p of await modifiedPointers) if (pointers.has(p)) index.refresh(p);
  const indexed = await index.finish();
  ctx.logger.debug({ ...indexed, dehydrated: report.dehydrated.length }, 'dehydrate: index updated');
  if (options.prune) {
    const asPointers = new Set([...report.dehydrated, ...report.alreadyPointers]);
    await pruneObjects(ctx, root, files.filter((f) => asPointers.has(f.path)), report, options, bucket);
  }
  report.skipped.sort(byPath);
  return report;
}

// Records the objects of `files` as asked to go at their paths: those that became pointers now, and
// the others' when they are not local (there is no content to hide) or the bucket has them. A local
// object the bucket was not seen to have is never recorded: a later checkout of its path would
// make a pointer of it, which nothing but the local store would back.
async function recordAskedToGo(ctx: RepositoryContext, files: readonly LfsFile[], dehydratedNow: ReadonlySet<string>, known: BucketAnswers, options: DehydrateOptions): Promise<void> {
  const recorded = await loadDehydratedObjects(ctx.paths.commonDir);
  const goes: LfsFile[] = [];
  const toAsk: LfsFile[] = [];
  for (const f of files) {
    const { oid, size } = f.pointer;
    if (dehydratedNow.has(f.path) || recorded.has(oid, f.path) || !(await ctx.local.has(oid, size))) goes.push(f);
    else toAsk.push(f);
  }
  const answers = await askBucket(ctx, toAsk.map((f) => f.pointer.oid), options, known);
  for (const f of toAsk) if (answers.get(f.pointer.oid) === f.pointer.size) goes.push(f);
  await recordDehydratedObjects(ctx.paths.commonDir, goes.map((f) => ({ oid: f.pointer.oid, path: f.path })), recorded);
}

// The content must survive somewhere before its only working copy goes: when the object is not in
// the local store (pruned, or cleaned elsewhere), the file itself is stored first — and if it
// does not hash to the oid, it was modified after all. The rename happens only while the file is
// unchanged since the scan that found it unmodified.
async function writePointer(ctx: RepositoryContext, writer: WorktreeWriter, c: ClassifiedFile): Promise<Replaced> {
  const target = fsPath(writer.root, c.file.path);
  const { oid, size } = c.file.pointer;
  if (!(await ctx.local.has(oid, size))) {
    if (!leadingDirectoriesAreReal(writer.root, c.file.path)) return { replaced: false, gone: true };
    const handle = await open(target, constants.O_RDONLY | constants.O_NOFOLLOW);
    let stored;
    try {
      stored = await ctx.local.ingest(handle.createReadStream({ autoClose: false }));
    } finally {
      await handle.close();
    }
    if (stored.oid !== oid) return { replaced: false };
  }
  const mode = c.snapshot?.mode ?? modeForGit(c.file.mode);
  return writer.replace(c.file.path, { bytes: c.file.pointerBytes }, mode, () => sameSnapshot(c.snapshot, snapshotSync(target)));
}

// Deletes the local objects of `files` (now pointers) unless another index path with the same oid
// still holds the content in the working tree, or the bucket does not have the object (it may be
// the only copy: never pushed). Unreachable bucket: everything is kept.
async function pruneObjects(
  ctx: RepositoryContext,
  root: string,
  files: readonly LfsFile[],
  report: DehydrateReport,
  options: DehydrateOptions,
  known: BucketAnswers,
): Promise<void> {
  const selected = new Set(files.map((f) => f.path));
  const candidates = new Map<string, LfsFile>();
  for (const f of files) {
    if (f.pointer.size > 0 && (await ctx.local.has(f.pointer.oid, f.pointer.size))) candidates.set(f.pointer.oid, f);
  }
  if (candidates.size === 0) return;
  for (const other of await listLfsFiles(root, [])) {
    if (selected.has(other.path) || !candidates.has(other.pointer.oid)) continue;
    if (!(await hasExactBytes(fsPath(root, other.path), other.pointerBytes))) {
      const f = candidates.get(other.pointer.oid)!;
      report.kept.push({ oid: f.pointer.oid, path: f.path, reason: `${other.path} still has this content` });
      candidates.delete(other.pointer.oid);
    }
  }
  if (candidates.size === 0) return;
  const answers = await askBucket(ctx, [...candidates.keys()], options, known);
  for (const f of candidates.values()) {
    const { oid, size } = f.pointer;
    const answer = answers.get(oid);
    if (answer instanceof Error) report.kept.push({ oid, path: f.path, reason: `cannot check the bucket: ${messageOf(answer)}` });
    else if (answer !== size) report.kept.push({ oid, path: f.path, reason: `not in the bucket (${(await ctx.remote()).locate(oid)}); push it first` });
    else {
      await ctx.local.remove(oid);
      report.pruned.objects++;
      report.pruned.bytes += size;
    }
  }
  report.kept.sort(byPath);
}


// Paths whose index entry differs from HEAD's (all of them before the first commit).
async function stagedPaths(root: string, pathspecs: readonly string[]): Promise<Set<string>> {
  const { stdout } = await git(['diff', '--cached', '--name-only', '--no-renames', '-z', '--', ...pathspecs], { cwd: root });
  return new Set(stdout.split('\0').filter((p) => p !== ''));
}
