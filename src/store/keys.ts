import { shardedPath } from '../util/oid.js';

// <prefix>/<oid[0:2]>/<oid[2:4]>/<oid>; an empty prefix gives the bare sharded path.
export function objectKey(prefix: string, oid: string): string {
  const clean = prefix.replace(/^\/+|\/+$/g, '');
  return clean ? `${clean}/${shardedPath(oid)}` : shardedPath(oid);
}
