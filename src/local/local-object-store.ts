import { createHash } from 'node:crypto';
import { chmodSync, constants, createWriteStream, renameSync, statSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Logger } from '../log/logger.js';
import type { ObjectStore } from '../store/object-store.js';
import { shardedPath } from '../util/oid.js';
import { ownerToken, sweepStaleTempsOnce } from '../util/temp-files.js';
import { copyWhileDownloading } from './download-copy.js';
import { downloadVerified } from './verified-download.js';

// git-lfs's own object store (<common git dir>/lfs/objects, or lfs.storage), so git-lfs and
// lfs-lazy see the same objects. Everything enters through a temp file in <lfs>/tmp — the same
// filesystem — and is renamed into place only once its size and SHA-256 are known to match.
// Content held in memory by ingest() before it knows whether the object is new.
const SMALL_CONTENT = 8 * 1024 * 1024;

// Read once: process.umask() costs two system calls, and there is one object per file hydrated.
let objectMode: number | undefined;
function storedObjectMode(): number {
  objectMode ??= 0o644 & ~process.umask();
  return objectMode;
}

export class LocalObjectStore {
  private tmpReady: Promise<string> | undefined;
  // Shard directories made (or being made) by this process.
  private readonly shardDirs = new Map<string, Promise<void>>();
  constructor(
    readonly objectsDir: string,
    readonly tmpDir: string,
  ) {}

  pathFor(oid: string): string {
    return join(this.objectsDir, shardedPath(oid));
  }

  // Present with the right size. A wrong-sized file is someone's interrupted write: not ours to use.
  async has(oid: string, size: number): Promise<boolean> {
    return this.sizeOf(oid) === size;
  }

  // Created once per process (many objects per command; mkdir is a syscall each). Before the
  // first temp file, the leftovers of killed processes go (never a file whose writer is alive).
  async tempDir(): Promise<string> {
    this.tmpReady ??= mkdir(this.tmpDir, { recursive: true, mode: 0o700 })
      .then(() => sweepStaleTempsOnce(this.tmpDir))
      .then(() => this.tmpDir);
    return this.tmpReady.catch((err: unknown) => {
      this.tmpReady = undefined;
      throw err;
    });
  }

  // Moves a verified temp file into place. Another process may have put the same object there
  // first; identical content under the same oid makes that a success.
  async adopt(tempPath: string, oid: string): Promise<string> {
    const target = this.pathFor(oid);
    const dir = dirname(target);
    await this.shardReady(oid);
    // Temp files are owner-only while being written; a stored object is readable like git-lfs's
    // own (0644 less the umask), so a group-shared lfs.storage keeps working.
    try {
      chmodSync(tempPath, storedObjectMode());
    } catch {
      // the rename below reports whatever matters
    }
    try {
      // Synchronous, like the chmod: one per object, cheaper than a thread-pool round trip.
      renameSync(tempPath, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      // git-lfs's tmp cleanup removes an <oid>-… temp file once that object is in the store.
      if (this.sizeOf(oid) !== undefined) return target;
      // Someone (git lfs prune) removed the shard directory since we made it.
      await mkdir(dir, { recursive: true });
      await rename(tempPath, target);
    }
    return target;
  }

  // The object's shard directory (ab/cd/), made once per process. A fetch starts it before the
  // download, so that making it (two directories for most new objects) overlaps the transfer.
  protected shardReady(oid: string): Promise<void> {
    const dir = dirname(this.pathFor(oid));
    let ready = this.shardDirs.get(dir);
    if (ready === undefined) {
      // In the thread pool: a new directory costs ≈ 0.5 ms on ext4, two for most new objects, and
      // the download it overlaps needs the main thread (hydrate of 500 objects: 380 ms of it).
      ready = mkdir(dir, { recursive: true }).then(() => undefined);
      // Not kept when it failed: the next object tries again (and reports its own failure).
      ready.catch(() => this.shardDirs.delete(dir));
      this.shardDirs.set(dir, ready);
    }
    return ready;
  }

  // Makes sure the object is here, fetching it from `remote` when it is not. Returns its path.
  // With `copyTo`, that file (which must not exist, or be the caller's own) also ends up holding
  // the object's bytes: written during the download (created with copyTo.mode less the umask), or
  // copied when the object was here already.
  async ensure(
    remote: () => Promise<ObjectStore>,
    oid: string,
    size: number,
    options: {
      logger?: Logger;
      onProgress?: (bytes: number) => void;
      signal?: AbortSignal;
      copyTo?: { path: string | Buffer; mode: number };
      // Another local store (the read cache) to take the object from before asking the bucket.
      from?: LocalObjectStore;
    } = {},
  ): Promise<string> {
    if (!(await this.has(oid, size)) && options.from !== undefined && (await options.from.has(oid, size))) {
      await this.takeFrom(options.from, oid);
    }
    if (await this.has(oid, size)) {
      const path = this.pathFor(oid);
      if (options.copyTo !== undefined) await copyFile(path, options.copyTo.path, constants.COPYFILE_FICLONE);
      return path;
    }
    void this.shardReady(oid).catch(() => undefined);
    const temp = await downloadVerified(
      {
        store: await remote(),
        oid,
        size,
        tempDir: await this.tempDir(),
        ...(options.onProgress && { onProgress: options.onProgress }),
        ...(options.signal && { signal: options.signal }),
      },
      options.copyTo && copyWhileDownloading(options.copyTo.path, options.copyTo.mode, size),
    );
    return this.adopt(temp, oid);
  }

  // Moves a verified object of `other` here (a rename when both are on one filesystem, else a copy
  // through a temp file). A failure leaves it to the caller's download.
  private async takeFrom(other: LocalObjectStore, oid: string): Promise<void> {
    const temp = join(await this.tempDir(), `${oid}-${ownerToken()}`);
    try {
      await rename(other.pathFor(oid), temp).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV') throw err;
        await copyFile(other.pathFor(oid), temp);
      });
      await this.adopt(temp, oid);
    } catch {
      await rm(temp, { force: true });
    }
  }

  // Streams content into the store while hashing it (the clean filter); returns the oid and size
  // it computed. Content up to SMALL_CONTENT bytes is held in memory until its oid is known, so
  // the common case of cleaning a file whose object is already stored (every `git status` or
  // index refresh after a hydrate) touches the disk only to check that the object exists.
  // Anything larger streams through a temp file: memory stays flat whatever the size.
  async ingest(content: Readable | AsyncIterable<Uint8Array>): Promise<{ oid: string; size: number }> {
    const hash = createHash('sha256');
    const held: Buffer[] = [];
    let size = 0;
    let temp: { path: string; out: WriteStream } | undefined;
    try {
      for await (const piece of content) {
        const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece);
        hash.update(chunk);
        size += chunk.length;
        if (!temp && size <= SMALL_CONTENT) {
          held.push(chunk);
          continue;
        }
        temp ??= await this.openTemp(held.splice(0));
        if (!temp.out.write(chunk)) await once(temp.out, 'drain');
      }
      const oid = hash.digest('hex');
      if (this.sizeOf(oid) === size) {
        if (temp) await this.discardTemp(temp);
        return { oid, size };
      }
      temp ??= await this.openTemp(held.splice(0));
      temp.out.end();
      await finished(temp.out);
      await this.adopt(temp.path, oid);
      return { oid, size };
    } catch (err) {
      if (temp) await this.discardTemp(temp);
      throw err;
    }
  }

  private async openTemp(initial: Buffer[]): Promise<{ path: string; out: WriteStream }> {
    const path = join(await this.tempDir(), `ingest-${ownerToken()}`);
    const out = createWriteStream(path, { mode: 0o600, flags: 'wx' });
    // A write error (ENOSPC…) surfaces through finished() below, not as an unhandled event.
    out.on('error', () => undefined);
    for (const chunk of initial) out.write(chunk);
    return { path, out };
  }

  private async discardTemp(temp: { path: string; out: WriteStream }): Promise<void> {
    temp.out.destroy();
    await rm(temp.path, { force: true });
  }

  async remove(oid: string): Promise<void> {
    await rm(this.pathFor(oid), { force: true });
  }

  // Synchronous, like the chmod in adopt(): a stat or chmod takes microseconds, less than a trip
  // through the thread pool costs the event loop, and hydrate makes a few per object.
  // A missing object is the common case (every pointer of a lazy checkout): no exception for it.
  private sizeOf(oid: string): number | undefined {
    try {
      return statSync(this.pathFor(oid), { throwIfNoEntry: false })?.size;
    } catch {
      return undefined;
    }
  }
}
