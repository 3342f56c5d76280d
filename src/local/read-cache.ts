// Where on-demand reads (`cat`, `path`, the library, the label-map merge driver) keep the objects
// they fetch: <git common dir>/lfs-lazy/read-cache, apart from git-lfs's store. What is in
// .git/lfs/objects decides what a checkout materialises (content whose object is local is never
// hidden behind a pointer), so an object fetched only to be read must not go there: a `cat` of a
// file would otherwise turn it into content on the next branch switch. `hydrate` and a fetch for a
// selected path move an object from here into the LFS store instead of downloading it again.
// It keeps within its size budget, lfs-lazy.cachesize (read-cache-budget.ts). Its objects lie flat,
// objects/<oid>: unlike git-lfs's store, nothing else reads this layout, and the two shard
// directories most new objects of git-lfs's layout need were the largest CPU cost of a read here
// after the GET itself (ext4 allocating their inodes: 19 % of a reading process's CPU in `perf`).
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { ObjectStore } from '../store/object-store.js';
import { assertOid } from '../util/oid.js';
import { LocalObjectStore } from './local-object-store.js';
import { HANDOUT_GRACE_MS, evictOverBudget, listCachedObjects, markRead, type EvictionResult } from './read-cache-budget.js';
import { downloadVerifiedHeld, type DownloadOptions } from './verified-download.js';

// What a reader may add to a fetch: giving up on it, and being sent its bytes as they come (or, for
// a small object, once verified, before they are written).
export type FetchOptions = Pick<DownloadOptions, 'signal' | 'onWritten' | 'onVerified'>;

// An object's verified local file and, when it was just fetched and is small, its bytes (held from
// the download, so that a reader need not read the file back).
export interface ReadableObject {
  path: string;
  bytes?: Buffer | undefined;
}

// Fetched objects up to this size come back with their bytes: a server holding one per connection
// stays within its memory limit.
export const HELD_OBJECT_BYTES = 256 * 1024;

// The read cache keeps within a size budget (read-cache-budget.ts): least recently read first.
export class ReadCache extends LocalObjectStore {
  // Bytes this process believes the cache holds: listed on its first fetch, then counted, and
  // listed again whenever the count goes over the budget (other processes add objects too).
  #bytes: number | undefined;

  constructor(
    root: string,
    // lfs-lazy.cachesize, or its default: asked for on each fetch, never before.
    private readonly budget: () => Promise<number>,
  ) {
    super(join(root, 'objects'), join(root, 'tmp'));
  }

  override pathFor(oid: string): string {
    return join(this.objectsDir, assertOid(oid));
  }

  // A read of an object here: it moves to the back of the eviction order.
  markRead(oid: string): Promise<void> {
    return markRead(this.pathFor(oid));
  }

  // Downloads the object (verified) into the cache, then keeps the cache within its budget.
  async fetch(remote: () => Promise<ObjectStore>, oid: string, size: number, logger: Logger, options: FetchOptions = {}): Promise<ReadableObject> {
    // Started now, to overlap the download.
    void this.shardReady(oid).catch(() => undefined);
    const { path: temp, bytes } = await downloadVerifiedHeld({ store: await remote(), oid, size, tempDir: await this.tempDir(), ...options }, HELD_OBJECT_BYTES);
    const path = await this.adopt(temp, oid).catch(async (err: unknown) => {
      // Not put in place (its shard directory cannot be made, the disk is full): not left behind.
      await rm(temp, { force: true });
      throw err;
    });
    // No markRead: the file was written just now, so its mtime already says "read now".
    await this.admitted(oid, size, logger);
    return { path, bytes };
  }

  // After a fetch into the cache: evicts what the budget has no room for.
  private async admitted(oid: string, size: number, logger: Logger): Promise<void> {
    const budget = await this.budget();
    if (this.#bytes !== undefined) {
      this.#bytes += size;
      if (this.#bytes <= budget) return;
    }
    const result = await evictOverBudget(this.objectsDir, { budget, keep: oid });
    this.#bytes = result.bytes;
    if (result.evicted.length > 0) {
      logger.debug({ evicted: result.evicted.length, bytes: result.bytes, budget }, 'read cache: evicted the least recently read objects');
    }
  }

  async usage(): Promise<{ bytes: number; objects: number; budget: number }> {
    const objects = await listCachedObjects(this.objectsDir);
    return { bytes: objects.reduce((sum, o) => sum + o.size, 0), objects: objects.length, budget: await this.budget() };
  }

  // Empties the cache, but for objects read within the grace period (their readers may not have
  // opened them yet), unless `all`.
  prune(options: { all?: boolean } = {}): Promise<EvictionResult> {
    return evictOverBudget(this.objectsDir, { budget: 0, ...(options.all && { graceMs: 0 }) });
  }
}

export { HANDOUT_GRACE_MS };

export function openReadCache(commonDir: string, budget: () => Promise<number>): ReadCache {
  return new ReadCache(join(commonDir, 'lfs-lazy', 'read-cache'), budget);
}

export interface ReadStores {
  local: LocalObjectStore;
  readCache: ReadCache;
}

// The object's verified local file: the LFS store's when it has it, else the read cache's,
// fetched into the read cache when neither has it (then with the bytes of a small object, see
// ReadCache.fetch). Aborting `options.signal` abandons that fetch; `options.onWritten` and
// `options.onVerified` are given its bytes only when it does fetch.
export async function readableObject(
  stores: ReadStores,
  remote: () => Promise<ObjectStore>,
  oid: string,
  size: number,
  logger: Logger,
  options: FetchOptions = {},
): Promise<ReadableObject> {
  const here = await localCopy(stores, oid, size);
  if (here) return { path: here.pathFor(oid) };
  return stores.readCache.fetch(remote, oid, size, logger, options);
}

// The same, when only the path is wanted.
export async function objectForReading(...request: Parameters<typeof readableObject>): Promise<string> {
  return (await readableObject(...request)).path;
}

// The store whose copy of the object can be read now, if any.
export async function localCopy(stores: ReadStores, oid: string, size: number): Promise<LocalObjectStore | undefined> {
  if (await stores.local.has(oid, size)) return stores.local;
  if (await stores.readCache.has(oid, size)) {
    await stores.readCache.markRead(oid);
    return stores.readCache;
  }
  return undefined;
}
