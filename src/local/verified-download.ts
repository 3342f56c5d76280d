// The one way an object comes from a remote store onto this disk: into a temp file, kept only once
// its size and SHA-256 match the oid. It lives with the local store, whose temp directory it
// writes into; the agent uses it as it is (git-lfs renames the file into its own store), hydrate
// through LocalObjectStore.ensure, with a copy (download-copy.ts).
import { createHash, type Hash } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { ObjectStore } from '../store/object-store.js';
import { assertOid } from '../util/oid.js';
import { ownerToken } from '../util/temp-files.js';
import { hashMismatch, localFailure, sizeMismatch } from './download-errors.js';

export interface DownloadOptions {
  store: ObjectStore;
  oid: string;
  size: number;
  tempDir: string;
  onProgress?: (bytesSoFar: number) => void;
  // Each batch of bytes once it is hashed and written, for a reader sent the object while it
  // downloads; the download waits for the promise (the reader's backpressure). The chunks are the
  // reader's: they have been written, so changing them changes nothing here.
  onWritten?: (chunks: Buffer[]) => Promise<void> | undefined;
  // A held download's whole object once verified, before it is written: a reader sent it from
  // memory need not wait for the disk. The bytes are the reader's (a copy).
  onVerified?: (bytes: Buffer) => void;
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
  // <oid>-… is the pattern git-lfs's tmp cleanup knows; the owner token (pid + random) keeps
  // workers and runs apart and lets a later run remove it should this process be killed.
  const path = join(dir, `${options.oid}-${ownerToken()}`);
  return hold ? downloadHeld(options, dir, path) : downloadInto(options, dir, path, copy);
}

// A small object is verified in memory, then written with one synchronous open–write–close: three
// thread-pool round trips would cost more than the writing. Nothing is created for an object that
// fails verification, and a file already there ('wx' refused it) is not ours to remove.
async function downloadHeld(options: DownloadOptions, dir: string, path: string): Promise<HeldDownload> {
  const { store, oid, size, signal, onWritten, onVerified } = options;
  const body = await store.get(oid, signal ? { signal } : {});
  const chunks: Buffer[] = [];
  const tally = newTally();
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      count(tally, chunk, options);
      chunks.push(chunk);
    }
  } finally {
    body.destroy();
  }
  checkVerified(options, tally);
  const bytes = Buffer.concat(chunks, size);
  if (onVerified) {
    onVerified(Buffer.from(bytes));
    // The reader's turn comes first: it sends the bytes while this thread has yet to write them.
    await new Promise((resolve) => setImmediate(resolve));
  }
  try {
    writeFileSync(path, bytes, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') rmSync(path, { force: true });
    throw localFailure(err, dir);
  }
  // The bytes are still to be returned: a reader given them as they are written gets a copy.
  await onWritten?.([Buffer.from(bytes)]);
  return { path, bytes };
}

async function downloadInto(options: DownloadOptions, dir: string, path: string, copyTo: DownloadCopy | undefined): Promise<HeldDownload> {
  const { store, oid, signal } = options;
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
    await copyVerified(got.value, file, copy, options, dir);
    return { path, bytes: undefined };
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
): Promise<void> {
  const { onWritten } = options;
  const tally = newTally();
  let batch: Buffer[] = [];
  let batched = 0;
  let copyReady = copy?.ready;
  const flush = async (): Promise<void> => {
    if (batched === 0) return;
    const chunks = batch;
    batch = [];
    batched = 0;
    if (copyReady) {
      await copyReady;
      copyReady = undefined;
    }
    // Both files at once: two gathered writes in the thread pool, no copy into one buffer.
    await Promise.all([writeAll(file, chunks, dir), copy && writeAll(copy.file, chunks, dir)]);
    await onWritten?.(chunks);
  };
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      count(tally, chunk, options);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH) await flush();
    }
    await flush();
  } finally {
    await Promise.all([local(file.close(), dir), copy && local(copy.file.close(), dir)]);
  }
  checkVerified(options, tally);
}

// What has come of the body so far.
interface Tally {
  hash: Hash;
  received: number;
}

function newTally(): Tally {
  return { hash: createHash('sha256'), received: 0 };
}

// One chunk of the body, counted and hashed. Past the object's size it is refused at once, rather
// than fill the disk with an object that can only be wrong.
function count(tally: Tally, chunk: Buffer, { store, oid, size, signal, onProgress }: DownloadOptions): void {
  signal?.throwIfAborted();
  tally.received += chunk.length;
  if (tally.received > size) throw sizeMismatch(store, oid, size, `more than ${size}`);
  tally.hash.update(chunk);
  onProgress?.(tally.received);
}

// The object is whole and right, or this throws the error that says what is wrong with the stored copy.
function checkVerified({ store, oid, size }: DownloadOptions, { hash, received }: Tally): void {
  if (received !== size) throw sizeMismatch(store, oid, size, String(received));
  const actual = hash.digest('hex');
  if (actual !== oid) throw hashMismatch(store, oid, actual);
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

// Our own filesystem errors, said as such (download-errors.ts).
function local<T>(operation: Promise<T>, dir: string): Promise<T> {
  return operation.catch((err: unknown) => {
    throw localFailure(err, dir);
  });
}
