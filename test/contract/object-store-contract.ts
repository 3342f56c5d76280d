import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, InvalidOidError, ObjectNotFoundError, StorageError } from '../../src/errors/index.js';
import type { ObjectStore } from '../../src/store/object-store.js';

export interface ContractSubject {
  store: ObjectStore;
  cleanup: () => Promise<void>;
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

// A fresh random object, written to a file in `dir`: oids are real sha256s, so a store that
// verified them would pass.
export async function randomObject(dir: string, size: number): Promise<{ oid: string; data: Buffer; path: string }> {
  const data = randomBytes(size);
  const oid = sha256(data);
  const path = join(dir, oid);
  await writeFile(path, data);
  return { oid, data, path };
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

// Cases a store under test is known to get wrong, each with the reason. Only the S3 emulator has
// any (test/helpers/s3rver.ts S3RVER_KNOWN_WRONG, the one place that says why); a case it gets
// wrong runs against every store that implements S3 correctly (the file and memory stores, radosgw).
export type ContractCase = 'rangeZeroZero' | 'rangeOnEmptyObject' | 'wrongSecret' | 'interruptedPut' | 'multipartAbort' | 'streamedChunkedPut' | 'multipartEtag' | 'rangeSuffix';
export type KnownWrong = Partial<Record<ContractCase, string>>;

// Counts what ran against each store, printed when its suite ends (npm test shows it).
export class CaseCounter {
  private ran = 0;
  private readonly notApplicable: string[] = [];
  constructor(private readonly label: string, private readonly knownWrong: KnownWrong) {}
  // `it`, or a skip that names the store's known fault.
  it(title: string, kase: ContractCase | undefined, fn: () => Promise<void>): void {
    const reason = kase && this.knownWrong[kase];
    if (reason) {
      this.notApplicable.push(kase);
      it(title, { skip: `the store under test is known to get this wrong: ${reason}` }, fn);
      return;
    }
    it(title, async () => {
      this.ran++;
      await fn();
    });
  }
  report(): void {
    const skipped = this.notApplicable.length > 0 ? ` (${this.notApplicable.length} known wrong on it, run on the other stores: ${this.notApplicable.join(', ')})` : '';
    console.log(`# ${this.label}: ${this.ran} tests run${skipped}`);
  }
}

// Every ObjectStore must pass this, so the agent can treat them alike. Ranges behave as S3's do
// (object-store.ts GetOptions). No suffix range: the interface has none, no caller needs one.
export function runObjectStoreContract(name: string, makeStore: () => Promise<ContractSubject>, knownWrong: KnownWrong = {}): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let subject: ContractSubject;
    let store: ObjectStore;
    let scratch: string;
    const cases = new CaseCounter(`ObjectStore contract on ${name}`, knownWrong);

    const fixture = (size: number) => randomObject(scratch, size);

    before(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'lfs-lazy-contract-'));
      subject = await makeStore();
      store = subject.store;
    });
    after(async () => {
      store?.close();
      await subject?.cleanup();
      await rm(scratch, { recursive: true, force: true });
      cases.report();
    });
    const it = (title: string, fn: () => Promise<void>, kase?: ContractCase): void => cases.it(title, kase, fn);
    const refusedRange = (err: unknown): boolean => {
      assert.ok(err instanceof StorageError, `got ${String(err)}`);
      assert.equal(err.retryable, false, 'a bad range is not worth retrying');
      assert.equal(err.code, ErrorCode.RangeNotSatisfiable);
      return true;
    };

    it('stat of a missing object is undefined', async () => {
      assert.equal(await store.stat(sha256(randomBytes(8))), undefined);
    });

    it('put then stat gives the size, get gives the bytes', async () => {
      const { oid, data, path } = await fixture(1000);
      await store.put(oid, data.length, path);
      assert.deepEqual(await store.stat(oid), { size: 1000 });
      assert.deepEqual(await readAll(await store.get(oid)), data);
    });

    it('ranged get returns exactly the requested bytes', async () => {
      const { oid, data, path } = await fixture(4096);
      await store.put(oid, data.length, path);
      assert.deepEqual(await readAll(await store.get(oid, { start: 100, end: 1099 })), data.subarray(100, 1100));
      assert.deepEqual(await readAll(await store.get(oid, { start: 4000 })), data.subarray(4000));
    });

    it('a range ending past the end of the object is clamped to it', async () => {
      const { oid, data, path } = await fixture(100);
      await store.put(oid, data.length, path);
      assert.deepEqual(await readAll(await store.get(oid, { start: 90, end: 10_000 })), data.subarray(90));
      assert.deepEqual(await readAll(await store.get(oid, { start: 99, end: 99 })), data.subarray(99));
    });

    it('the range 0-0 is the first byte', async () => {
      const { oid, data, path } = await fixture(100);
      await store.put(oid, data.length, path);
      assert.deepEqual(await readAll(await store.get(oid, { start: 0, end: 0 })), data.subarray(0, 1));
    }, 'rangeZeroZero');

    it('a range starting at or past the end is refused as not satisfiable (416), not retried', async () => {
      const { oid, data, path } = await fixture(100);
      await store.put(oid, data.length, path);
      await assert.rejects(store.get(oid, { start: 100 }), refusedRange);
      await assert.rejects(store.get(oid, { start: 150, end: 200 }), refusedRange);
    });

    it('any range of an empty object is refused as not satisfiable (416); the whole object is empty', async () => {
      const { oid, path } = await fixture(0);
      await store.put(oid, 0, path);
      assert.equal((await readAll(await store.get(oid))).length, 0);
      await assert.rejects(store.get(oid, { start: 0 }), refusedRange);
      await assert.rejects(store.get(oid, { start: 0, end: 0 }), refusedRange);
    }, 'rangeOnEmptyObject');

    it('get of a missing object throws ObjectNotFoundError naming the oid', async () => {
      const oid = sha256(randomBytes(8));
      await assert.rejects(store.get(oid), (err: unknown) => {
        assert.ok(err instanceof ObjectNotFoundError, `got ${String(err)}`);
        assert.match(err.message, new RegExp(oid));
        return true;
      });
    });

    it('stores a 0-byte object', async () => {
      const { oid, path } = await fixture(0);
      await store.put(oid, 0, path);
      assert.deepEqual(await store.stat(oid), { size: 0 });
      assert.equal((await readAll(await store.get(oid))).length, 0);
    });

    it('stores a ~6 MiB file streamed from disk byte for byte (checksum-trap regression)', async () => {
      const data = randomBytes(6 * 1024 * 1024 + 7);
      const oid = sha256(data);
      const path = join(scratch, oid);
      // Written through a stream in odd-sized chunks, read back by the store as a stream.
      await pipeline(Readable.from(chunks(data, 100_003)), createWriteStream(path));
      let progress = 0;
      await store.put(oid, data.length, path, { onProgress: (n) => (progress = n) });
      assert.deepEqual(await store.stat(oid), { size: data.length });
      const stored = await readAll(await store.get(oid));
      assert.equal(stored.length, data.length);
      assert.equal(sha256(stored), oid);
      assert.equal(progress, data.length);
    });

    it('put is idempotent', async () => {
      const { oid, data, path } = await fixture(2048);
      await store.put(oid, data.length, path);
      await store.put(oid, data.length, path);
      assert.deepEqual(await store.stat(oid), { size: 2048 });
      assert.deepEqual(await readAll(await store.get(oid)), data);
    });

    it('put rejects a source whose size differs and leaves nothing behind', async () => {
      const { oid, data, path } = await fixture(100);
      await assert.rejects(store.put(oid, data.length + 1, path));
      assert.equal(await store.stat(oid), undefined);
    });

    it('delete removes the object and is idempotent', async () => {
      const { oid, data, path } = await fixture(10);
      await store.put(oid, data.length, path);
      await store.delete(oid);
      assert.equal(await store.stat(oid), undefined);
      await store.delete(oid);
    });

    for (const bad of ['../../etc/passwd', 'A'.repeat(64), 'a'.repeat(63), `a/b${'0'.repeat(61)}`, `${'0'.repeat(64)}/`]) {
      it(`rejects invalid oid ${JSON.stringify(bad.slice(0, 20))} before any I/O`, async () => {
        // A missing source path: a store that touched the file system first would fail with ENOENT.
        const nowhere = join(scratch, 'does-not-exist');
        await assert.rejects(store.stat(bad), InvalidOidError);
        await assert.rejects(store.get(bad), InvalidOidError);
        await assert.rejects(store.get(bad, { start: 1, end: 2 }), InvalidOidError);
        await assert.rejects(store.put(bad, 1, nowhere), InvalidOidError);
        await assert.rejects(store.delete(bad), InvalidOidError);
      });
    }
  });
}

function* chunks(data: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}
