// Where on-demand reads (`cat`, `path`, the library, the label-map merge driver) keep the objects
// they fetch: <git common dir>/lfs-lazy/read-cache, apart from git-lfs's store. What is in
// .git/lfs/objects decides what a checkout materialises (content whose object is local is never
// hidden behind a pointer), so an object fetched only to be read must not go there: a `cat` of a
// file would otherwise turn it into content on the next branch switch. `hydrate` and a fetch for a
// selected path move an object from here into the LFS store instead of downloading it again.
import { join } from 'node:path';
import type { Logger } from '../log/logger.js';
import type { ObjectStore } from '../store/object-store.js';
import { LocalObjectStore } from './local-object-store.js';

export function openReadCache(commonDir: string): LocalObjectStore {
  const root = join(commonDir, 'lfs-lazy', 'read-cache');
  return new LocalObjectStore(join(root, 'objects'), join(root, 'tmp'));
}

export interface ReadStores {
  local: LocalObjectStore;
  readCache: LocalObjectStore;
}

// The object's verified local file: the LFS store's when it has it, else the read cache's,
// fetched into the read cache when neither has it. Aborting `signal` abandons that fetch.
export async function objectForReading(
  stores: ReadStores,
  remote: () => Promise<ObjectStore>,
  oid: string,
  size: number,
  logger: Logger,
  signal?: AbortSignal,
): Promise<string> {
  if (await stores.local.has(oid, size)) return stores.local.pathFor(oid);
  return stores.readCache.ensure(remote, oid, size, { logger, ...(signal && { signal }) });
}

// The store whose copy of the object can be read now, if any.
export async function localCopy(stores: ReadStores, oid: string, size: number): Promise<LocalObjectStore | undefined> {
  if (await stores.local.has(oid, size)) return stores.local;
  if (await stores.readCache.has(oid, size)) return stores.readCache;
  return undefined;
}
