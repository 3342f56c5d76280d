import { InvalidOidError } from '../errors/index.js';

const OID_PATTERN = /^[0-9a-f]{64}$/;

// Every oid that reaches a key or a path passes through here first: `../`, `/`, uppercase and
// short values never become a location.
export function isValidOid(oid: unknown): oid is string {
  return typeof oid === 'string' && OID_PATTERN.test(oid);
}

export function assertOid(oid: unknown): string {
  if (!isValidOid(oid)) throw new InvalidOidError(oid);
  return oid;
}

// <oid[0:2]>/<oid[2:4]>/<oid>, the layout of .git/lfs/objects and of the bucket.
export function shardedPath(oid: string): string {
  assertOid(oid);
  return `${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
}
