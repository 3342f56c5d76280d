// The dataset fingerprint: one SHA-256 over the sorted (path, oid, size) of the selected files.
// Pure, and specified exactly (docs/dataset-versions.md) so that anyone can recompute it:
//
//   sha256( "lfs-lazy-fingerprint/1\n"
//           + for each file, sorted by the bytes of its path:
//               "<oid> <size> <path>\0" )
//
// oid: the SHA-256 of the file's content (for an LFS file, the pointer's oid), 64 lowercase hex;
// size: its length in bytes, in decimal; path: relative to the repository root, `/`-separated,
// the bytes git stores (UTF-8 for any name that is valid UTF-8; a name that is not is held with
// its bytes escaped, util/path-bytes.ts, and hashed as those bytes). The result is written as 64
// lowercase hex characters.
import { createHash } from 'node:crypto';
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import { pathToBytes } from '../util/path-bytes.js';

export const FINGERPRINT_SCHEME = 'lfs-lazy-fingerprint/1';

export interface FingerprintEntry {
  path: string;
  oid: string;
  size: number;
}

// Sorted by the bytes of the path (git's own order; `LC_ALL=C sort`).
export function sortByPath<T extends { path: string }>(files: readonly T[]): T[] {
  return files
    .map((file) => ({ file, key: pathToBytes(file.path) }))
    .sort((a, b) => Buffer.compare(a.key, b.key))
    .map(({ file }) => file);
}

export function computeFingerprint(files: readonly FingerprintEntry[]): string {
  const hash = createHash('sha256');
  hash.update(`${FINGERPRINT_SCHEME}\n`);
  const seen = new Set<string>();
  for (const { path, oid, size } of sortByPath(files)) {
    if (seen.has(path)) throw new LfsLazyError(`the path ${JSON.stringify(path)} appears twice`, { code: ErrorCode.BadRequest });
    seen.add(path);
    if (!/^[0-9a-f]{64}$/.test(oid)) throw new LfsLazyError(`${path}: oid must be 64 lowercase hex characters`, { code: ErrorCode.BadRequest });
    if (!Number.isSafeInteger(size) || size < 0) throw new LfsLazyError(`${path}: size must be a non-negative integer`, { code: ErrorCode.BadRequest });
    if (path.includes('\0')) throw new LfsLazyError('a path cannot contain NUL', { code: ErrorCode.BadRequest });
    hash.update(`${oid} ${size} `);
    hash.update(pathToBytes(path));
    hash.update('\0');
  }
  return hash.digest('hex');
}
