import { createReadStream } from 'node:fs';
import { mkdir, open, realpath, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { addAbortSignal, type Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { AccessDeniedError, ConfigError, IntegrityError, LfsLazyError, ObjectNotFoundError, StorageError } from '../errors/index.js';
import { shardedPath } from '../util/oid.js';
import { RetryBudget, defaultRetryPolicy, type RetryPolicy } from '../util/retry.js';
import { ownerToken, sweepStaleTempsOnce } from '../util/temp-files.js';
import { rangeNotSatisfiable, type GetOptions, type ObjectInfo, type ObjectStore, type PutOptions } from './object-store.js';
import { resumableBody } from './resumable-body.js';

// Worth another try on a NAS: the file system is busy or the mount hiccuped.
const TRANSIENT_FS_CODES = new Set(['EAGAIN', 'EBUSY', 'EMFILE', 'ENFILE', 'EIO', 'ESTALE', 'ETIMEDOUT', 'EINTR']);

// A directory (local disk or NAS mount) laid out like the bucket: <dir>/<oid[0:2]>/<oid[2:4]>/<oid>.
// Every path comes from shardedPath(), which validates the oid, so no input can point outside `dir`;
// and no symbolic link inside `dir` is followed out of it (checkInside). Like every store, it owns
// the retries of its operations: a busy NAS (TRANSIENT_FS_CODES) is tried again with backoff, and
// a read that breaks off continues where it stopped.
export class FileStore implements ObjectStore {
  readonly url: string;
  readonly dir: string;

  constructor(
    dir: string,
    private readonly retryPolicy: RetryPolicy = defaultRetryPolicy,
  ) {
    if (!isAbsolute(dir)) throw new ConfigError(`file store directory must be absolute, got "${dir}"`);
    this.dir = resolve(dir);
    this.url = pathToFileURL(this.dir).href;
  }

  locate(oid: string): string {
    return pathToFileURL(this.path(oid)).href;
  }

  async stat(oid: string): Promise<ObjectInfo | undefined> {
    return this.retries('stat', oid).run(() => this.statOnce(oid));
  }

  async get(oid: string, options: GetOptions = {}): Promise<Readable> {
    const retries = this.retries('get', oid, options.signal);
    const open = (start: number | undefined): Promise<Readable> => this.openRead(oid, { ...options, ...(start !== undefined && { start }) });
    return resumableBody({
      body: await retries.run(() => open(undefined)),
      start: options.start ?? 0,
      length: undefined, // a file's stream ends where the file does
      retries,
      reopen: open,
      truncated: () => new StorageError(`get ${this.locate(oid)} failed: the file ended early`),
    });
  }

  async put(oid: string, size: number, sourcePath: string, options: PutOptions = {}): Promise<void> {
    await this.retries('put', oid, options.signal).run(() => this.putOnce(oid, size, sourcePath, options));
  }

  async delete(oid: string): Promise<void> {
    await this.retries('delete', oid).run(() => this.deleteOnce(oid));
  }

  close(): void {}

  private retries(operation: string, oid: string, signal?: AbortSignal): RetryBudget {
    return new RetryBudget({ policy: this.retryPolicy, ...(signal && { signal }), classify: (err) => this.mapError(err, operation, oid) });
  }

  private async statOnce(oid: string): Promise<ObjectInfo | undefined> {
    const path = this.path(oid);
    try {
      await this.checkInside(path, oid);
      const info = await stat(path);
      return info.isFile() ? { size: info.size } : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw this.mapError(err, 'stat', oid);
    }
  }

  private async openRead(oid: string, options: GetOptions): Promise<Readable> {
    const path = this.path(oid);
    // Open first so a missing object fails here, not later as a stream 'error' event.
    const handle = await this.checkInside(path, oid).then(() => open(path, 'r')).catch((err: unknown) => {
      throw this.mapError(err, 'get', oid);
    });
    try {
      if (options.start !== undefined || options.end !== undefined) {
        const { size } = await handle.stat();
        if ((options.start ?? 0) >= size) throw rangeNotSatisfiable(this.locate(oid), options.start ?? 0, size);
      }
      const stream = handle.createReadStream({
        highWaterMark: 1024 * 1024,
        ...(options.start !== undefined ? { start: options.start } : {}),
        ...(options.end !== undefined ? { end: options.end } : {}),
      });
      return options.signal ? addAbortSignal(options.signal, stream) : stream;
    } catch (err) {
      await handle.close();
      if (err instanceof LfsLazyError) throw err;
      throw new StorageError(`get ${this.locate(oid)} failed: ${(err as Error).message}`, { cause: err, retryable: false });
    }
  }

  private async putOnce(oid: string, size: number, sourcePath: string, options: PutOptions): Promise<void> {
    const final = this.path(oid);
    if ((await this.statOnce(oid))?.size === size) {
      options.onProgress?.(size);
      return;
    }
    const source = await stat(sourcePath).catch((err: unknown) => {
      throw new StorageError(`cannot read ${sourcePath} to store ${oid}: ${(err as Error).message}`, { cause: err, retryable: false });
    });
    if (source.size !== size) throw new IntegrityError(`${sourcePath} has ${source.size} bytes, expected ${size} for ${oid}`);

    // Temp file in the same directory tree, so the final rename is atomic (same file system). Its
    // owner token lets the next put remove it, should this process be killed mid-copy.
    const tmpDir = join(this.dir, 'tmp');
    const tmp = join(tmpDir, `${oid}-${ownerToken()}`);
    try {
      await mkdir(tmpDir, { recursive: true, mode: 0o700 });
      await this.checkInside(tmp, oid);
      await sweepStaleTempsOnce(tmpDir);
      const copied = await copyDurably(sourcePath, tmp, options);
      if (copied !== size) throw new IntegrityError(`${sourcePath} changed while it was stored: copied ${copied} bytes, expected ${size}`);
      await mkdir(dirname(final), { recursive: true });
      await this.checkInside(final, oid);
      await rename(tmp, final);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw this.mapError(err, 'put', oid);
    }
  }

  private async deleteOnce(oid: string): Promise<void> {
    const path = this.path(oid);
    await this.checkInside(path, oid).then(() => rm(path, { force: true })).catch((err: unknown) => {
      throw this.mapError(err, 'delete', oid);
    });
  }

  private path(oid: string): string {
    return join(this.dir, shardedPath(oid));
  }

  // A symbolic link in the store (a shard directory, tmp, an object) must not lead reads, writes or
  // deletes elsewhere on the machine: `path` (or, before it exists, its directory) has to resolve
  // inside the store's real directory. What does not exist yet cannot lead anywhere.
  private async checkInside(path: string, oid: string): Promise<void> {
    const root = await realpathOrUndefined(this.dir);
    if (root === undefined) return;
    let real = await realpathOrUndefined(path);
    if (real === undefined) {
      const parent = await realpathOrUndefined(dirname(path));
      if (parent === undefined) return;
      real = join(parent, basename(path));
    }
    if (real.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) return;
    throw new StorageError(
      `${this.locate(oid)} leads outside the store, to ${real}, through a symbolic link; lfs-lazy does not follow links out of ${this.dir}`,
      { retryable: false },
    );
  }

  private mapError(err: unknown, operation: string, oid: string): Error {
    if (err instanceof LfsLazyError || (err instanceof Error && err.name === 'AbortError')) return err;
    const code = (err as NodeJS.ErrnoException | undefined)?.code;
    // A vanished temp dir during put is a storage failure, not a missing object.
    if (operation !== 'put' && isMissing(err)) return new ObjectNotFoundError(oid, this.locate(oid), err);
    if (code === 'EACCES' || code === 'EPERM') {
      return new AccessDeniedError(`access denied to ${this.locate(oid)} (${code}): check the permissions of ${this.dir}`, err);
    }
    return new StorageError(`${operation} ${this.locate(oid)} failed: ${(err as Error).message}`, {
      cause: err,
      retryable: code !== undefined && TRANSIENT_FS_CODES.has(code),
    });
  }
}

// Copies into a new 0600 file and fsyncs it, so a crash after rename cannot leave a short object.
async function copyDurably(sourcePath: string, target: string, options: PutOptions): Promise<number> {
  const out = await open(target, 'wx', 0o600);
  let copied = 0;
  try {
    const input = createReadStream(sourcePath, { highWaterMark: 1024 * 1024, ...(options.signal ? { signal: options.signal } : {}) });
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) offset += (await out.write(chunk, offset)).bytesWritten;
      copied += chunk.length;
      options.onProgress?.(copied);
    }
    await out.sync();
  } finally {
    await out.close();
  }
  return copied;
}

async function realpathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await realpath(path);
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
