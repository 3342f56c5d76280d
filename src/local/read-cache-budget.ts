// How the read cache stays within its size budget (`lfs-lazy.cachesize`): least recently read
// objects go first. A read marks an object by setting its mtime to now (atime is not reliable:
// relatime, noatime mounts), so the order survives across processes without an index file.
//
// Two kinds of object are never evicted:
//   - one read (or handed out by `path`) within the last HANDOUT_GRACE_MS: its reader may not have
//     opened it yet (a file already open stays readable after it is removed, as POSIX unlink goes);
//   - the one just fetched, which the caller is about to read.
// Every object in the read cache came from the bucket, or is a copy of a git blob (`path --rev` of
// an ordinary file); nothing else writes there (hydrate, merges and clean write git-lfs's store),
// so evicting one never deletes the only copy of anything.
import { utimesSync } from 'node:fs';
import { rm, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isValidOid } from '../util/oid.js';
import { readdir, statfs } from '../util/plain-fs.js';

export const HANDOUT_GRACE_MS = 60_000;

// Without lfs-lazy.cachesize: 10% of the filesystem the cache lives on, at most 20 GiB.
export const DEFAULT_CACHE_MAX_BYTES = 20 * 1024 ** 3;
export const DEFAULT_CACHE_SHARE = 0.1;

export interface CachedObject {
  oid: string;
  path: string;
  size: number;
  lastReadMs: number;
}

export async function defaultCacheBudget(dir: string): Promise<number> {
  try {
    const fs = await statfs(dir);
    return Math.min(DEFAULT_CACHE_MAX_BYTES, Math.floor(fs.blocks * fs.bsize * DEFAULT_CACHE_SHARE));
  } catch {
    return DEFAULT_CACHE_MAX_BYTES;
  }
}

// Every object file in `objectsDir`, named by its oid. A cache written before its objects lay flat
// held them in git-lfs's shard directories (ab/cd/<oid>): those are listed too, so that they age
// out of the budget and prune-cache removes them; nothing looks them up any more. A file removed
// while listing (another process evicting) is skipped.
export async function listCachedObjects(objectsDir: string): Promise<CachedObject[]> {
  const found: CachedObject[] = [];
  const add = async (dir: string, oid: string): Promise<void> => {
    const path = join(dir, oid);
    const info = await stat(path).catch(() => undefined);
    if (info?.isFile()) found.push({ oid, path, size: info.size, lastReadMs: info.mtimeMs });
  };
  for (const name of await entries(objectsDir)) {
    if (isValidOid(name)) await add(objectsDir, name);
    if (!LEGACY_SHARD.test(name)) continue;
    for (const second of await entries(join(objectsDir, name))) {
      const dir = join(objectsDir, name, second);
      for (const oid of await entries(dir)) if (isValidOid(oid)) await add(dir, oid);
    }
  }
  return found;
}

const LEGACY_SHARD = /^[0-9a-f]{2}$/;

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
    throw err;
  });
}

export async function markRead(path: string, nowMs = Date.now()): Promise<void> {
  const now = nowMs / 1000;
  // Synchronous: one per read of a cached object, and a thread-pool round trip costs more than the
  // call. Gone already (evicted by another process, moved into the LFS store by hydrate): nothing
  // to mark.
  try {
    utimesSync(path, now, now);
  } catch {
    // nothing to mark
  }
}

export interface EvictionOptions {
  budget: number;
  // Never evicted, whatever its age (the object just fetched).
  keep?: string;
  nowMs?: number;
  graceMs?: number;
}

export interface EvictionResult {
  evicted: CachedObject[];
  // What the cache holds afterwards.
  bytes: number;
  objects: number;
}

// Removes least recently read objects until the cache holds at most `budget` bytes, or until only
// protected objects are left (then it stays over budget until their grace has passed).
export async function evictOverBudget(objectsDir: string, options: EvictionOptions): Promise<EvictionResult> {
  const { budget, keep, nowMs = Date.now(), graceMs = HANDOUT_GRACE_MS } = options;
  const cached = await listCachedObjects(objectsDir);
  let bytes = cached.reduce((sum, o) => sum + o.size, 0);
  const evicted: CachedObject[] = [];
  const candidates = cached
    .filter((o) => o.oid !== keep && nowMs - o.lastReadMs >= graceMs)
    .sort((a, b) => a.lastReadMs - b.lastReadMs);
  for (const object of candidates) {
    if (bytes <= budget) break;
    await rm(object.path, { force: true });
    // An object of the old layout leaves its shard directories, once empty, with it.
    if (dirname(object.path) !== objectsDir) await removeEmptyShards(objectsDir, dirname(object.path));
    bytes -= object.size;
    evicted.push(object);
  }
  return { evicted, bytes, objects: cached.length - evicted.length };
}

async function removeEmptyShards(objectsDir: string, shard: string): Promise<void> {
  for (let dir = shard; dir !== objectsDir && dir.startsWith(objectsDir); dir = dirname(dir)) {
    // ENOTEMPTY (or gone already): it stays, and so do its parents.
    if (!(await rmdir(dir).then(() => true, () => false))) return;
  }
}
