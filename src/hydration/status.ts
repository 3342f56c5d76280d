import pLimit from 'p-limit';
import { LfsLazyError } from '../errors/index.js';
import type { RepositoryContext } from '../repository/context.js';
import { listLfsFiles, type LfsFile } from '../repository/lfs-files.js';
import { fsPath } from '../util/path-bytes.js';
import { HydrationPolicy } from './hydration-policy.js';
import { modifiedPaths } from './refresh-index.js';
import { hasExactBytes, holdsObject, snapshot, type FileSnapshot } from './worktree-file.js';

// `pointer`: the working file is byte for byte the committed pointer. `hydrated`: it holds the
// content (the object's size, and git finds it unmodified). `modified`: anything else that is
// there. `missing`: deleted from the working tree.
export type FileState = 'pointer' | 'hydrated' | 'modified' | 'missing';

export interface ClassifiedFile {
  file: LfsFile;
  state: FileState;
  snapshot: FileSnapshot | undefined;
  // A hydrated file whose index entry still has the pointer's stat data (its writer was killed
  // before the index refresh): `git status` lists it as modified until it is re-indexed.
  indexStale?: boolean;
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

export function requireWorktree(ctx: RepositoryContext): string {
  const root = ctx.paths.worktree;
  if (root === undefined) throw new LfsLazyError(`${ctx.paths.gitDir} is a bare repository: this command needs a working tree`);
  return root;
}

// The state of each file. Only files that look hydrated (not the pointer, the object's size) cost
// a `git ls-files -m` run, which runs the clean filter on the stat-dirty ones.
export async function classifyFiles(root: string, files: readonly LfsFile[], pathspecs: readonly string[]): Promise<ClassifiedFile[]> {
  const limit = pLimit(FS_CONCURRENCY);
  const first = await Promise.all(
    files.map((file) =>
      limit(async () => {
        const path = fsPath(root, file.path);
        const snap = await snapshot(path);
        let state: FileState | undefined;
        if (snap === undefined) state = 'missing';
        else if (!snap.regular) state = 'modified';
        else if (snap.size === file.pointerBytes.length && (await hasExactBytes(path, file.pointerBytes))) {
          // An empty file is its own pointer and its own content.
          state = file.pointer.size === 0 ? 'hydrated' : 'pointer';
        } else if (snap.size !== file.pointer.size) state = 'modified';
        return { file, state, snapshot: snap };
      }),
    ),
  );
  const undecided = first.filter((c) => c.state === undefined);
  const modified = undecided.length > 0 ? await modifiedPaths(root, pathspecs) : new Set<string>();
  // Git calls a file modified when its size differs from the index's stat data, without looking
  // at the content (read-cache.c ie_modified): a file hydrated by a run killed before its index
  // refresh. Its hash tells it from a real edit of the same size.
  return Promise.all(
    first.map((c) =>
      limit(async (): Promise<ClassifiedFile> => {
        if (c.state !== undefined) return { ...c, state: c.state };
        if (!modified.has(c.file.path)) return { ...c, state: 'hydrated' };
        const { oid, size } = c.file.pointer;
        return (await holdsObject(fsPath(root, c.file.path), oid, size)) ? { ...c, state: 'hydrated', indexStale: true } : { ...c, state: 'modified' };
      }),
    ),
  );
}

// Per LFS path among `pathspecs` (root-relative; none = all): state, size, local/remote presence.
export async function status(ctx: RepositoryContext, pathspecs: readonly string[], options: StatusOptions = {}): Promise<StatusReport> {
  const root = requireWorktree(ctx);
  const files = await listLfsFiles(root, pathspecs);
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
  return { files: statuses, totals: totalsOf(statuses, options.remote === true), ignoredPatterns: [...policy.problems] };
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

function totalsOf(files: readonly FileStatus[], withRemote: boolean): StatusTotals {
  const zero = () => ({ files: 0, bytes: 0 });
  const totals: StatusTotals = {
    files: 0,
    bytes: 0,
    states: { pointer: zero(), hydrated: zero(), modified: zero(), missing: zero() },
    local: zero(),
    ...(withRemote && { remote: zero() }),
  };
  for (const f of files) {
    totals.files++;
    totals.bytes += f.size;
    add(totals.states[f.state], f.size);
    if (f.local) add(totals.local, f.size);
    if (f.remote && totals.remote) add(totals.remote, f.size);
  }
  return totals;
}

// Byte order, as git lists paths.
export function byPath(a: { path: string }, b: { path: string }): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

function add(count: { files: number; bytes: number }, size: number): void {
  count.files++;
  count.bytes += size;
}
