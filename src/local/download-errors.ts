// What a failed download says: a stored copy that is wrong (with how to repair it), or our own
// disk refusing the bytes.
import { ErrorCode, IntegrityError, LfsLazyError } from '../errors/index.js';
import type { ObjectStore } from '../store/object-store.js';

// Deleting comes first: uploads skip objects the store already has at the right size.
export const repairHint = (location: string, oid: string): string =>
  `delete ${location}, then push it again from the clone where it was committed (a lazy clone does not have it): git lfs push --object-id origin ${oid}`;

export function sizeMismatch(store: ObjectStore, oid: string, expected: number, got: string): IntegrityError {
  const location = store.locate(oid);
  return new IntegrityError(
    `object ${oid} at ${location} failed verification (size mismatch): expected ${expected} bytes, got ${got}; ` +
      `the stored copy is truncated or corrupt: ${repairHint(location, oid)}`,
  );
}

export function hashMismatch(store: ObjectStore, oid: string, actual: string): IntegrityError {
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
