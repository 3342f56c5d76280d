import pLimit from 'p-limit';
import { modifiedPaths } from '../git/index-entries.js';
import { requireWorktree, type RepositoryContext } from '../repository/context.js';
import { listWorktreePointers, type WorktreeLfsFile } from '../repository/lfs-files.js';
import { encodePointer, MAX_POINTER_SIZE, parsePointer, type Pointer } from '../protocol/pointer.js';
import { fsPath, type FsPath } from '../util/path-bytes.js';
import { HydrationPolicy } from './hydration-policy.js';
import { holdsObject, leadingDirectoriesAreReal, readSmallSync, snapshot, type FileSnapshot } from './worktree-file.js';
import { gitPathspec } from './pathspec-match.js';
import { totalsOf } from './status-totals.js';

// `pointer`: the working file is the committed pointer (byte for byte, or with the CRLF line ends
// git's eol conversion gives it). `hydrated`: it holds the content. `modified`: anything else
// that is there. `missing`: deleted from the working tree (or under a directory replaced by a
// symlink, which git calls deleted). `sparse`: outside the sparse checkout — git does not check
// the path out (skip-worktree) and there is no file.
export type FileState = 'pointer' | 'hydrated' | 'modified' | 'missing' | 'sparse';
export const FILE_STATES: readonly FileState[] = ['hydrated', 'pointer', 'modified', 'missing', 'sparse'];

export interface ClassifiedFile {
  file: WorktreeLfsFile;
  state: FileState;
  snapshot: FileSnapshot | undefined;
  // For a pointer: the bytes the working file has (file.pointerBytes, or them with CRLF).
  pointerInWorktree?: Buffer;
  // A hydrated file whose index entry may not have its stat data (its writer was killed before
  // the index refresh, or is still running): `git status` lists it as modified until re-indexed.
  indexStale?: boolean;
  // A modified file that is itself the pointer of another object than the index names (the
  // pointer of a newer version left by `git reset --mixed HEAD~1`, say): canonical, without
  // extensions, its bytes as read. hydrate gives it that object's content, which cleans to the
  // same pointer, so git sees the same change; the index is left alone.
  otherPointer?: { pointer: Pointer; bytes: Buffer };
}

export interface FileStatus {
  path: string;
  oid: string;
  // The content's size, from the pointer.
  size: number;
  state: FileState;
  // Whether the object is in the local LFS store (.git/lfs/objects).
  local: boolean;
  // Only with `remote: true`: whether the object is in the bucket.
  remote?: boolean;
  // Whether a checkout hydrates this path: the clone's hydrated set over the committed defaults.
  inHydratedSet: boolean;
}

export interface StatusTotals {
  files: number;
  bytes: number;
  states: Record<FileState, { files: number; bytes: number }>;
  local: { files: number; bytes: number };
  remote?: { files: number; bytes: number };
}

export interface StatusReport {
  files: FileStatus[];
  totals: StatusTotals;
  // Hydrate patterns ignored because git cannot match with them (one line each, for the user).
  ignoredPatterns: string[];
  // Files whose committed text is an LFS pointer that .gitattributes does not send through LFS (a
  // file about LFS, or one `git lfs untrack` left), whose working file is that text: git treats it
  // as their content, and a commit (`git add --renormalize`) keeps it so. Not in `files`.
  outsideLfs: string[];
}

export interface StatusOptions {
  // Also ask the bucket whether each object is there (one HEAD request per distinct object).
  remote?: boolean;
  // Concurrent HEAD requests; default 16.
  jobs?: number;
  signal?: AbortSignal;
}

// Parallel file reads, bounded so that 100,000 pointers do not exhaust file descriptors.
const FS_CONCURRENCY = 32;


// The state of each file, never trusting what cannot be verified:
// - a pointer is the exact committed bytes; the CRLF form counts only where git says the file is
//   unmodified (its eol conversion turns it back into the committed pointer);
// - a file of the object's size is hydrated when git finds it unmodified (`git ls-files -m`, which
//   runs the clean filter on stat-dirty files) — except for skip-worktree and assume-unchanged
//   entries, which git never compares: those are hashed;
// - nothing is called modified while it holds the object (hashed; free when the size differs):
//   another hydrate may have put it there since we looked.
// `askModified`: git's modified paths among `pathspecs`, asked only if needed; a caller that needs
// them too passes its own (askModifiedOnce) and asks git once.
export async function classifyFiles(
  root: string,
  files: readonly WorktreeLfsFile[],
  pathspecs: readonly string[],
  askModified: () => Promise<Set<string>> = askModifiedOnce(root, pathspecs),
): Promise<ClassifiedFile[]> {
  const limit = pLimit(FS_CONCURRENCY);
  const directories = new Map<string, boolean>();
  const first = await Promise.all(files.map((file) => limit(() => lookAt(root, file, directories))));
  const askGit = first.some((c) => c.state === 'ask-git');
  const modified = askGit ? await askModified() : new Set<string>();
  return Promise.all(
    first.map((c) =>
      limit(async (): Promise<ClassifiedFile> => {
        const { oid, size } = c.file.pointer;
        const path = fsPath(root, c.file.path);
        if (c.state === 'ask-git' && !modified.has(c.file.path)) {
          return c.pointerInWorktree ? { ...c, state: 'pointer' } : { ...c, state: 'hydrated' };
        }
        if (c.state !== 'ask-git' && c.state !== 'modified') return { ...c, state: c.state };
        const { pointerInWorktree: _, ...rest } = c;
        // Git calls a file modified when its size differs from the index's stat data, without
        // looking at the content (read-cache.c ie_modified): a file hydrated by a run killed (or
        // still running) before its index refresh. Its hash tells it from a real edit.
        if (c.snapshot?.regular && (await holdsObject(path, oid, size))) return { ...rest, state: 'hydrated', indexStale: true };
        return { ...rest, state: 'modified' };
      }),
    ),
  );
}

// `git ls-files -m` of the pathspecs (root-relative), run on the first call, its answer shared.
export function askModifiedOnce(root: string, pathspecs: readonly string[]): () => Promise<Set<string>> {
  let asked: Promise<Set<string>> | undefined;
  return () => (asked ??= modifiedPaths(root, pathspecs.map(gitPathspec)));
}

type FirstLook = Omit<ClassifiedFile, 'state'> & { state: FileState | 'ask-git' };

// What can be told from the file alone.
async function lookAt(root: string, file: WorktreeLfsFile, directories: Map<string, boolean>): Promise<FirstLook> {
  const absent = file.skipWorktree ? 'sparse' : 'missing';
  if (!leadingDirectoriesAreReal(root, file.path, directories)) return { file, state: absent, snapshot: undefined };
  const path = fsPath(root, file.path);
  const snap = await snapshot(path);
  if (snap === undefined) return { file, state: absent, snapshot: undefined };
  if (!snap.regular) return { file, state: 'modified', snapshot: snap };
  const crlf = withCrlf(file.pointerBytes);
  // Pointer-sized: read, with the stat of the file actually read (another run may rename the
  // content over it in between). Any other size costs nothing more here.
  const small = snap.size === file.pointerBytes.length || snap.size === crlf.length ? readSmallSync(path, crlf.length) : { snapshot: snap, bytes: undefined };
  if (small === undefined) return { file, state: 'modified', snapshot: snap };
  const { snapshot: current, bytes } = small;
  // An empty file is its own pointer and its own content.
  if (bytes?.equals(file.pointerBytes)) return { file, state: file.pointer.size === 0 ? 'hydrated' : 'pointer', snapshot: current, pointerInWorktree: file.pointerBytes };
  const trustGit = !file.skipWorktree && !file.assumeUnchanged;
  if (bytes?.equals(crlf) && trustGit) return { file, state: 'ask-git', snapshot: current, pointerInWorktree: crlf };
  if (current.size === file.pointer.size && trustGit) return { file, state: 'ask-git', snapshot: current };
  // Of the object's size but git cannot be asked, or another size: hashed (see above).
  return { file, state: 'modified', snapshot: current, ...otherPointerIn(path, file, current, bytes) };
}

// For a modified file that is the canonical pointer of another object (see
// ClassifiedFile.otherPointer): that pointer, and the stat of the file it was read from.
function otherPointerIn(path: FsPath, file: WorktreeLfsFile, snap: FileSnapshot, bytes: Buffer | undefined): Pick<FirstLook, 'snapshot' | 'otherPointer'> | undefined {
  if (file.unmerged || snap.size === 0 || snap.size >= MAX_POINTER_SIZE) return undefined;
  const small = bytes !== undefined ? { snapshot: snap, bytes } : readSmallSync(path, MAX_POINTER_SIZE);
  if (small?.bytes === undefined) return undefined;
  const pointer = parsePointer(small.bytes);
  if (!pointer || pointer.size === 0 || pointer.extensions.length > 0 || !encodePointer(pointer).equals(small.bytes)) return undefined;
  if (pointer.oid === file.pointer.oid && pointer.size === file.pointer.size) return undefined;
  return { snapshot: small.snapshot, otherPointer: { pointer, bytes: small.bytes } };
}

// The pointer as git's eol conversion (core.autocrlf, eol=crlf) checks it out: every LF a CRLF.
function withCrlf(pointer: Buffer): Buffer {
  return Buffer.from(pointer.toString('latin1').replaceAll('\n', '\r\n'), 'latin1');
}

// Per LFS path among `pathspecs` (root-relative; none = all): state, size, local/remote presence.
export async function status(ctx: RepositoryContext, pathspecs: readonly string[], options: StatusOptions = {}): Promise<StatusReport> {
  const root = requireWorktree(ctx);
  const { lfs: files, outsideLfs } = await listWorktreePointers(root, pathspecs.map(gitPathspec));
  const [classified, policy] = await Promise.all([classifyFiles(root, files, pathspecs), HydrationPolicy.load(ctx.paths, {})]);
  const sizes = new Map(files.map((f) => [f.pointer.oid, f.pointer.size]));
  const fsLimit = pLimit(FS_CONCURRENCY);
  const localByOid = new Map(
    await Promise.all(
      [...sizes].map(([oid, size]) => fsLimit(async () => [oid, size === 0 || (await ctx.local.has(oid, size))] as const)),
    ),
  );
  const remoteByOid = options.remote ? await remotePresence(ctx, sizes, options) : undefined;
  const statuses = classified.map(({ file, state }): FileStatus => {
    const remote = remoteByOid?.get(file.pointer.oid);
    return {
      path: file.path,
      oid: file.pointer.oid,
      size: file.pointer.size,
      state,
      local: localByOid.get(file.pointer.oid) ?? false,
      ...(remote !== undefined && { remote }),
      inHydratedSet: policy.has(file.path),
    };
  });
  return {
    files: statuses,
    totals: totalsOf(statuses, options.remote === true),
    ignoredPatterns: [...policy.problems],
    outsideLfs: outsideLfs.filter((f) => !f.unmerged && !f.skipWorktree && holdsPointer(root, f)).map((f) => f.path),
  };
}

// The working file is the pointer text, as git checked it out (with CRLF where its eol conversion does).
function holdsPointer(root: string, file: WorktreeLfsFile): boolean {
  const crlf = withCrlf(file.pointerBytes);
  const bytes = readSmallSync(fsPath(root, file.path), crlf.length)?.bytes;
  return bytes !== undefined && (bytes.equals(file.pointerBytes) || bytes.equals(crlf));
}

// One HEAD request per distinct object. The empty object is never uploaded, and never needed.
async function remotePresence(ctx: RepositoryContext, sizes: Map<string, number>, options: StatusOptions): Promise<Map<string, boolean>> {
  const store = await ctx.remote();
  const limit = pLimit(options.jobs ?? 16);
  const entries = await Promise.all(
    [...sizes].map(([oid, size]) =>
      limit(async () => {
        if (size === 0) return [oid, true] as const;
        const info = await store.stat(oid, options.signal);
        return [oid, info !== undefined && info.size === size] as const;
      }),
    ),
  );
  return new Map(entries);
}

// Byte order, as git lists paths.
export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}
