import type { Readable } from 'node:stream';
import { ErrorCode, StorageError } from '../errors/index.js';

export interface ObjectInfo {
  size: number;
}

export interface ProgressCallback {
  (bytesSoFar: number): void;
}

export interface GetOptions {
  // Inclusive byte range, as in HTTP Range; omitted means the whole object. As S3 answers: an `end`
  // past the object's end is clamped to it; a `start` at or past the end (so any range of an empty
  // object) is refused with rangeNotSatisfiable().
  start?: number;
  end?: number;
  signal?: AbortSignal;
}

export interface PutOptions {
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
}

// Where LFS objects live remotely. Implementations validate every oid (assertOid) before it
// becomes a key or a path, and map their own failures to LfsLazyError subclasses:
// ObjectNotFoundError, AccessDeniedError, StorageError (retryable or not).
export interface ObjectStore {
  // e.g. "s3://bucket/prefix" — for messages, never containing credentials.
  readonly url: string;
  // The human-readable location of one object, e.g. "s3://bucket/prefix/ab/cd/abcd…".
  locate(oid: string): string;
  // Size of the stored object, or undefined when it does not exist.
  stat(oid: string, signal?: AbortSignal): Promise<ObjectInfo | undefined>;
  // A stream of the object's bytes (or of the requested range). Throws ObjectNotFoundError.
  get(oid: string, options?: GetOptions): Promise<Readable>;
  // Stores the file at `sourcePath` (exactly `size` bytes) under `oid`. Never leaves a partial
  // object visible under the final key.
  put(oid: string, size: number, sourcePath: string, options?: PutOptions): Promise<void>;
  delete(oid: string): Promise<void>;
  // For `doctor`, where a store has them: that credentials can be found (without a request), and
  // that the bucket answers. Both throw the store's usual errors.
  checkCredentials?(): Promise<void>;
  checkBucket?(): Promise<void>;
  // Makes ready, without a request, what the first read would otherwise wait for (the S3 store:
  // its route to the endpoint, its signer, the credentials). For a server about to be asked.
  prepare?(): Promise<void>;
  // Releases sockets and handles.
  close(): void;
}

// What every store throws for a range that starts at or past the end of the object (S3's 416).
export function rangeNotSatisfiable(location: string, start: number, size: number): StorageError {
  return new StorageError(`get ${location} failed: the byte range starts at ${start}, at or past the end of the object (${size} bytes) (InvalidRange)`, {
    retryable: false,
    code: ErrorCode.RangeNotSatisfiable,
  });
}
