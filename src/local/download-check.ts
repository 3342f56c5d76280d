// A download's body checked as it comes (counted and hashed), and what a failed download says: a
// stored copy that is wrong (with how to repair it), or our own disk refusing the bytes.
import { createHash, type Hash } from 'node:crypto';
import { ErrorCode, IntegrityError, LfsLazyError } from '../errors/index.js';
import type { ObjectStore } from '../store/object-store.js';
import type { DownloadOptions } from './verified-download.js';

// What has come of the body so far.
export interface Tally {
  hash: Hash;
  received: number;
}

export function newTally(): Tally {
  return { hash: createHash('sha256'), received: 0 };
}

// One chunk of the body, counted and hashed. Past the object's size it is refused at once, rather
// than fill the disk with an object that can only be wrong.
export function count(tally: Tally, chunk: Buffer, { store, oid, size, signal, onProgress }: DownloadOptions): void {
  signal?.throwIfAborted();
  tally.received += chunk.length;
  if (tally.received > size) throw sizeMismatch(store, oid, size, `more than ${size}`);
  tally.hash.update(chunk);
  onProgress?.(tally.received);
}

// The object is whole and right, or this throws the error that says what is wrong with the stored copy.
export function checkVerified({ store, oid, size }: DownloadOptions, { hash, received }: Tally): void {
  if (received !== size) throw sizeMismatch(store, oid, size, String(received));
  const actual = hash.digest('hex');
  if (actual !== oid) throw hashMismatch(store, oid, actual);
}


// Deleting comes first: uploads skip objects the store already has at the right size.
const repairHint = (location: string, oid: string): string =>
  `delete ${location}, then push it again from the clone where it was committed (a lazy clone does not have it): git lfs push --object-id origin ${oid}`;

function sizeMismatch(store: ObjectStore, oid: string, expected: number, got: string): IntegrityError {
  const location = store.locate(oid);
  return new IntegrityError(
    `object ${oid} at ${location} failed verification (size mismatch): expected ${expected} bytes, got ${got}; ` +
      `the stored copy is truncated or corrupt: ${repairHint(location, oid)}`,
  );
}

function hashMismatch(store: ObjectStore, oid: string, actual: string): IntegrityError {
  const location = store.locate(oid);
  return new IntegrityError(
    `object ${oid} at ${location} failed verification (hash mismatch): its content has SHA-256 ${actual}; ` +
      `the stored copy is corrupt: ${repairHint(location, oid)}`,
  );
}

// Our own filesystem errors (ENOSPC, EACCES…) are bare Errors, which would read as transient
// network trouble; none of them goes away by trying again a moment later.
export function localFailure(err: unknown, dir: string): LfsLazyError {
  const detail = (err as NodeJS.ErrnoException).code ?? String(err);
  return new LfsLazyError(`cannot write the downloaded object into ${dir} (${detail}); free some space or fix the directory's permissions`, {
    code: ErrorCode.Internal,
    cause: err,
  });
}
