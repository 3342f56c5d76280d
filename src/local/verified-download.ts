// The one way an object comes from a remote store onto this disk: into a temp file, kept only once
// its size and SHA-256 match the oid. It lives with the local store, whose temp directory it
// writes into; the agent uses it as it is (git-lfs renames the file into its own store), hydrate
// through LocalObjectStore.ensure, with a copy (download-copy.ts).
import { createHash } from 'node:crypto';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorCode, IntegrityError, LfsLazyError } from '../errors/index.js';
import type { ObjectStore } from '../store/object-store.js';
import { assertOid } from '../util/oid.js';
import { ownerToken } from '../util/temp-files.js';

export interface DownloadOptions {
  store: ObjectStore;
  oid: string;
  size: number;
  tempDir: string;
  onProgress?: (bytesSoFar: number) => void;
  signal?: AbortSignal;
}

// A verified download, and, for a small object, its bytes: an object no larger than the write
// batch is held in memory until the one write at the end anyway, so a reader can have them
// without reading the file back.
export interface HeldDownload {
  path: string;
  bytes: Buffer | undefined;
}

// A second file that receives the bytes as they arrive, so that a copy costs no second pass
// (hydrate's working-tree file: local/download-copy.ts). Opened before the first byte. It holds
// the object once the download resolves; after a failure, whatever it holds is the caller's to
// remove.
export interface DownloadCopy {
  open(): Promise<CopyFile>;
}

export interface CopyFile {
  file: FileHandle;
  // Settles when the file may be written (space being reserved for it).
  ready: Promise<void>;
}

// Deleting comes first: uploads skip objects the store already has at the right size.
const repairHint = (location: string, oid: string): string =>
  `delete ${location}, then push it again from the clone where it was committed (a lazy clone does not have it): git lfs push --object-id origin ${oid}`;

// Temp dirs this process has made: hundreds of small downloads should not each pay a mkdir.
const createdDirs = new Set<string>();

// Network chunks are small (16–64 KiB); writing them in batches of this size saves syscalls.
const WRITE_BATCH = 1024 * 1024;

// Fetches one object into a fresh file under `tempDir` and returns its absolute path, only once its
// size and SHA-256 match the oid. Any failure removes the file. Transient store failures are not
// retried here: the store owns its retries (a broken-off body resumes inside store.get).
export async function downloadVerified(options: DownloadOptions, copy?: DownloadCopy): Promise<string> {
  return (await download(options, copy, false)).path;
}

// The same download; the bytes come back too when the object is at most `holdUpTo` (and the write
// batch) long.
export function downloadVerifiedHeld(options: DownloadOptions, holdUpTo: number): Promise<HeldDownload> {
  return download(options, undefined, options.size <= Math.min(holdUpTo, WRITE_BATCH));
}

async function download(options: DownloadOptions, copy: DownloadCopy | undefined, hold: boolean): Promise<HeldDownload> {
  assertOid(options.oid);
  const dir = resolve(options.tempDir);
  if (!createdDirs.has(dir)) {
    await local(mkdir(dir, { recursive: true, mode: 0o700 }), dir);
    createdDirs.add(dir);
  }
  return downloadInto(options, dir, copy, hold);
}

async function downloadInto(options: DownloadOptions, dir: string, copyTo: DownloadCopy | undefined, hold: boolean): Promise<HeldDownload> {
  const { store, oid, signal } = options;
  // <oid>-… is the pattern git-lfs's tmp cleanup knows; the owner token (pid + random) keeps
  // workers and runs apart and lets a later run remove it should this process be killed.
  const path = join(dir, `${oid}-${ownerToken()}`);
  // The temp file is opened while the request is under way (one wait less per object); whatever
  // fails, it is closed and removed.
  const [opened, got] = await Promise.allSettled([local(open(path, 'wx', 0o600), dir), store.get(oid, signal ? { signal } : {})]);
  const body = got.status === 'fulfilled' ? got.value : undefined;
  try {
    if (opened.status === 'rejected') throw opened.reason;
    const file = opened.value;
    if (got.status === 'rejected') {
      await file.close().catch(() => undefined);
      throw got.reason;
    }
    const copy = copyTo && (await local(copyTo.open(), dir).catch(async (err: unknown) => {
      await file.close();
      throw err;
    }));
    const bytes = await copyVerified(got.value, file, copy, options, dir, hold);
    return { path, bytes };
  } catch (err) {
    // Only a file this call created is removed ('wx': an open that failed created nothing).
    if (opened.status === 'fulfilled') await rm(path, { force: true });
    throw err;
  } finally {
    body?.destroy();
  }
}

async function copyVerified(
  body: Readable,
  file: FileHandle,
  copy: CopyFile | undefined,
  options: DownloadOptions,
  dir: string,
  hold: boolean,
): Promise<Buffer | undefined> {
  const { store, oid, size, signal, onProgress } = options;
  const hash = createHash('sha256');
  let bytes = 0;
  // With `hold` (size ≤ WRITE_BATCH), every chunk: they make one batch, written at the end.
  let held: Buffer[] | undefined;
  let batch: Buffer[] = [];
  let batched = 0;
  let copyReady = copy?.ready;
  const flush = async (): Promise<void> => {
    if (batched === 0) return;
    const chunks = batch;
    if (hold) held = held === undefined ? chunks : held.concat(chunks);
    batch = [];
    batched = 0;
    if (copyReady) {
      await copyReady;
      copyReady = undefined;
    }
    // Both files at once: two gathered writes in the thread pool, no copy into one buffer.
    await Promise.all([writeAll(file, chunks, dir), copy && writeAll(copy.file, chunks, dir)]);
  };
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      signal?.throwIfAborted();
      bytes += chunk.length;
      // Stop at once rather than fill the disk with an object that can only be wrong.
      if (bytes > size) throw sizeMismatch(store, oid, size, `more than ${size}`);
      hash.update(chunk);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH) await flush();
      onProgress?.(bytes);
    }
    await flush();
  } finally {
    await Promise.all([local(file.close(), dir), copy && local(copy.file.close(), dir)]);
  }
  if (bytes !== size) throw sizeMismatch(store, oid, size, String(bytes));
  const actual = hash.digest('hex');
  if (actual !== oid) {
    const location = store.locate(oid);
    throw new IntegrityError(
      `object ${oid} at ${location} failed verification (hash mismatch): its content has SHA-256 ${actual}; ` +
        `the stored copy is corrupt: ${repairHint(location, oid)}`,
    );
  }
  return hold ? Buffer.concat(held ?? [], size) : undefined;
}

async function writeAll(file: FileHandle, chunks: Buffer[], dir: string): Promise<void> {
  const { bytesWritten } = await local(file.writev(chunks), dir);
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  if (bytesWritten === total) return;
  // A short write (rare on a regular file): the rest goes from where it stopped.
  const data = Buffer.concat(chunks, total);
  for (let offset = bytesWritten; offset < data.length; ) {
    offset += (await local(file.write(data, offset), dir)).bytesWritten;
  }
}

function sizeMismatch(store: ObjectStore, oid: string, expected: number, got: string): IntegrityError {
  const location = store.locate(oid);
  return new IntegrityError(
    `object ${oid} at ${location} failed verification (size mismatch): expected ${expected} bytes, got ${got}; ` +
      `the stored copy is truncated or corrupt: ${repairHint(location, oid)}`,
  );
}

// Our own filesystem errors (ENOSPC, EACCES…) are bare Errors, which would read as transient
// network trouble; none of them goes away by trying again a moment later.
function local<T>(operation: Promise<T>, dir: string): Promise<T> {
  return operation.catch((err: unknown) => {
    const detail = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new LfsLazyError(`cannot write the downloaded object into ${dir} (${detail}); free some space or fix the directory's permissions`, {
      code: ErrorCode.Internal,
      cause: err,
    });
  });
}
