import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '../log/logger.js';
import type { ObjectStore } from '../store/object-store.js';
import { downloadVerified } from '../transfer/download.js';
import { assertOid, shardedPath } from '../util/oid.js';

// git-lfs's own object store (<common git dir>/lfs/objects, or lfs.storage), so git-lfs and
// lfs-lazy see the same objects. Everything enters through a temp file in <lfs>/tmp — the same
// filesystem — and is renamed into place only once its size and SHA-256 are known to match.
export class LocalObjectStore {
  constructor(
    readonly objectsDir: string,
    readonly tmpDir: string,
  ) {}

  pathFor(oid: string): string {
    return join(this.objectsDir, shardedPath(oid));
  }

  // Present with the right size. A wrong-sized file is someone's interrupted write: not ours to use.
  async has(oid: string, size: number): Promise<boolean> {
    try {
      return (await stat(this.pathFor(oid))).size === size;
    } catch {
      return false;
    }
  }

  async tempDir(): Promise<string> {
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    return this.tmpDir;
  }

  // Moves a verified temp file into place. Another process may have put the same object there
  // first; identical content under the same oid makes that a success.
  async adopt(tempPath: string, oid: string): Promise<string> {
    const target = this.pathFor(oid);
    await mkdir(dirname(target), { recursive: true });
    await rename(tempPath, target);
    return target;
  }

  // Makes sure the object is here, fetching it from `remote` when it is not. Returns its path.
  async ensure(
    remote: () => Promise<ObjectStore>,
    oid: string,
    size: number,
    options: { logger?: Logger; onProgress?: (bytes: number) => void; signal?: AbortSignal } = {},
  ): Promise<string> {
    if (await this.has(oid, size)) return this.pathFor(oid);
    const temp = await downloadVerified({
      store: await remote(),
      oid,
      size,
      tempDir: await this.tempDir(),
      ...(options.logger && { logger: options.logger }),
      ...(options.onProgress && { onProgress: options.onProgress }),
      ...(options.signal && { signal: options.signal }),
    });
    return this.adopt(temp, oid);
  }

  // Streams content into the store while hashing it (the clean filter). Never holds the content
  // in memory; returns the oid and size it computed.
  async ingest(content: Readable | AsyncIterable<Uint8Array>): Promise<{ oid: string; size: number }> {
    const temp = join(await this.tempDir(), `ingest-${process.pid}-${randomBytes(6).toString('hex')}`);
    const hash = createHash('sha256');
    let size = 0;
    const hasher = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    try {
      await pipeline(content, hasher, createWriteStream(temp, { mode: 0o644, flags: 'wx' }));
      const oid = hash.digest('hex');
      if ((await this.sizeOf(oid)) === size) {
        await rm(temp, { force: true });
      } else {
        await this.adopt(temp, oid);
      }
      return { oid, size };
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  openRead(oid: string, range: { start?: number; end?: number } = {}): Readable {
    assertOid(oid);
    return createReadStream(this.pathFor(oid), range);
  }

  async remove(oid: string): Promise<void> {
    await rm(this.pathFor(oid), { force: true });
  }

  private async sizeOf(oid: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathFor(oid))).size;
    } catch {
      return undefined;
    }
  }
}
