// The one way an object comes from a remote store onto this disk: into a temp file, kept only once
// its size and SHA-256 match the oid. It lives with the local store, whose temp directory it
// writes into; the agent uses it as it is (git-lfs renames the file into its own store), hydrate
// through LocalObjectStore.ensure, with a copy (download-copy.ts).
import { closeSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { ObjectStore } from '../store/object-store.js';
import { assertOid } from '../util/oid.js';
import { openFd } from '../util/plain-fs.js';
import { ownerToken } from '../util/temp-files.js';
import { checkVerified, count, localFailure, newTally } from './download-check.js';

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

// A small object is verified in memory, then written with synchronous writes into a temp file that
// was created (in the thread pool) while the request was under way: creating a file costs ≈ 0.3 ms
// on this ext4, which the request's wait hides, and a write or two of at most 1 MiB cost less than
// thread-pool round trips. Whatever fails, the file is closed and removed (one 'wx' refused was
// there before: not ours to remove).
async function downloadHeld(options: DownloadOptions, dir: string, path: string): Promise<HeldDownload> {
  const { store, oid, signal, onWritten, onVerified } = options;
  const [created, got] = await Promise.allSettled([local(openNew(path), dir), store.get(oid, signal ? { signal } : {})]);
  let fd = created.status === 'fulfilled' ? created.value : undefined;
  try {
    if (created.status === 'rejected') throw created.reason;
    if (got.status === 'rejected') throw got.reason;
    const bytes = await verifiedBytes(got.value, options);
    if (onVerified) {
      onVerified(Buffer.from(bytes));
      // The reader's turn comes first: it sends the bytes while this thread has yet to write them.
      await new Promise((resolve) => setImmediate(resolve));
    }
    try {
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(fd!, bytes, offset);
      const written = fd!;
      fd = undefined;
      closeSync(written);
    } catch (err) {
      if (fd === undefined) rmSync(path, { force: true });
      throw localFailure(err, dir);
    }
    // The bytes are still to be returned: a reader given them as they are written gets a copy.
    await onWritten?.([Buffer.from(bytes)]);
    return { path, bytes };
  } catch (err) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // the file goes all the same; the error that matters is err
      }
      rmSync(path, { force: true });
    }
    throw err;
  } finally {
    if (got.status === 'fulfilled') got.value.destroy();
  }
}

// The whole body, once its size and SHA-256 match the oid.
async function verifiedBytes(body: Readable, options: DownloadOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const tally = newTally();
  for await (const chunk of body as AsyncIterable<Buffer>) {
    count(tally, chunk, options);
    chunks.push(chunk);
  }
  checkVerified(options, tally);
  return Buffer.concat(chunks, options.size);
}

// A new file, owner-only, as a plain descriptor (written and closed synchronously).
function openNew(path: string): Promise<number> {
  return openFd(path, 'wx', 0o600);
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
  // A batch is written while the next one is received and hashed (no stop for the thread pool at
  // each megabyte), one write at a time (each goes where the last one ended). It goes to a reader
  // once written (its chunks are then the reader's), in order; the download waits for the reader
  // (its backpressure) only while the reader has yet to take the batch before.
  let writing: Promise<unknown> | undefined;
  let handedOver: Promise<void> | undefined;
  const flush = async (): Promise<void> => {
    await writing;
    if (batched === 0) return;
    const chunks = batch;
    batch = [];
    batched = 0;
    if (copyReady) {
      await copyReady;
      copyReady = undefined;
    }
    // Both files at once: two gathered writes in the thread pool, no copy into one buffer.
    const written = Promise.all([writeAll(file, chunks, dir), copy && writeAll(copy.file, chunks, dir)]);
    const before = handedOver;
    writing = written;
    handedOver = written.then(async () => {
      await before;
      await onWritten?.(chunks);
    });
    handedOver.catch(() => undefined); // awaited later: not an unhandled rejection meanwhile
    await before;
  };
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      count(tally, chunk, options);
      batch.push(chunk);
      batched += chunk.length;
      if (batched >= WRITE_BATCH) await flush();
    }
    await flush();
    await handedOver;
  } finally {
    // A download that failed half-way: its last write settles before the files close (not the
    // reader's taking of it: a reader that has stopped reading must not hold the failure up).
    await writing?.catch(() => undefined);
    await Promise.all([local(file.close(), dir), copy && local(copy.file.close(), dir)]);
  }
  checkVerified(options, tally);
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

// Our own filesystem errors, said as such (download-check.ts).
function local<T>(operation: Promise<T>, dir: string): Promise<T> {
  return operation.catch((err: unknown) => {
    throw localFailure(err, dir);
  });
}
