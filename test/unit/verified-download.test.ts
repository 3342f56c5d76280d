// downloadVerifiedHeld: the read paths' download, which also gives back the verified bytes of a
// small object. The bytes come back only for an object within the limit and only once verified;
// whatever fails (the object missing, its bytes wrong) leaves no temp file, though the file is now
// opened while the request is still under way.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { IntegrityError, ObjectNotFoundError } from '../../src/errors/index.js';
import { downloadVerified, downloadVerifiedHeld } from '../../src/local/verified-download.js';
import { MemoryStore } from '../../src/store/memory-store.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('downloadVerifiedHeld', () => {
  let dir: string;
  const store = new MemoryStore();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-held-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('gives back the bytes of an object within the limit, and none of a larger one; the file holds it either way', async () => {
    for (const [size, held] of [
      [10_000, true],
      [64 * 1024, true],
      [64 * 1024 + 1, false],
    ] as const) {
      const data = randomBytes(size);
      const oid = sha256(data);
      store.objects.set(oid, data);
      const got = await downloadVerifiedHeld({ store, oid, size, tempDir: join(dir, 'tmp') }, 64 * 1024);
      assert.ok(readFileSync(got.path).equals(data), `${size}: the temp file`);
      if (held) assert.ok(got.bytes?.equals(data), `${size}: the held bytes`);
      else assert.equal(got.bytes, undefined, `${size}: held although over the limit`);
      await rm(got.path);
    }
  });

  it('a missing object and a wrong one are refused, and leave no temp file', async () => {
    const tempDir = join(dir, 'tmp-fail');
    const data = randomBytes(5_000);
    const oid = sha256(data);
    await assert.rejects(downloadVerifiedHeld({ store, oid, size: data.length, tempDir }, 1024 * 1024), ObjectNotFoundError);
    assert.deepEqual(readdirSync(tempDir), []);
    const wrong = Buffer.from(data);
    wrong[100]! ^= 1;
    store.objects.set(oid, wrong);
    await assert.rejects(downloadVerifiedHeld({ store, oid, size: data.length, tempDir }, 1024 * 1024), IntegrityError);
    assert.deepEqual(readdirSync(tempDir), []);
  });

  it('onVerified: the reader has a copy of the verified bytes before any is written; a wrong object never reaches it', async () => {
    const tempDir = join(dir, 'tmp-early');
    const data = randomBytes(20_000);
    const oid = sha256(data);
    store.objects.set(oid, data);
    let given: Buffer | undefined;
    let writtenWhenGiven: number[] | undefined;
    const got = await downloadVerifiedHeld(
      {
        store,
        oid,
        size: data.length,
        tempDir,
        onVerified: (bytes) => {
          given = bytes;
          // The temp file was made while the request was under way: empty until now.
          writtenWhenGiven = readdirSync(tempDir).map((name) => statSync(join(tempDir, name)).size);
          // The reader's copy is its own: what it does to it is not what the file holds.
          bytes.fill(0);
        },
      },
      64 * 1024,
    );
    assert.deepEqual(writtenWhenGiven, [0]);
    assert.equal(given?.length, data.length);
    assert.ok(readFileSync(got.path).equals(data), 'the file holds what the reader changed');
    assert.ok(got.bytes?.equals(data));
    await rm(got.path);

    const wrong = Buffer.from(data);
    wrong[7]! ^= 1;
    store.objects.set(oid, wrong);
    let called = false;
    await assert.rejects(downloadVerifiedHeld({ store, oid, size: data.length, tempDir, onVerified: () => (called = true) }, 64 * 1024), IntegrityError);
    assert.equal(called, false);
    assert.deepEqual(readdirSync(tempDir), [], 'the temp file of the wrong object was left');
  });
});

// A store whose bodies come in network-sized chunks, as S3's do (the memory store gives one).
class ChunkedStore extends MemoryStore {
  failAfter: number | undefined;
  // The body waits at this offset until `resume` is called (a stalled connection).
  stallAt: number | undefined;
  resume: () => void = () => undefined;
  override async get(oid: string): Promise<Readable> {
    const data = this.objects.get(oid)!;
    const { failAfter, stallAt } = this;
    const stalled = new Promise<void>((resolve) => (this.resume = resolve));
    return Readable.from(
      (async function* () {
        for (let at = 0; at < data.length; at += 64 * 1024) {
          if (failAfter !== undefined && at >= failAfter) throw new Error('connection reset');
          if (at === stallAt) await stalled;
          yield data.subarray(at, at + 64 * 1024);
        }
      })(),
    );
  }
}

describe('downloadVerified of a large object, written while the next megabyte comes', () => {
  let dir: string;
  const store = new ChunkedStore();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-batches-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('gives a reader each batch in order, and only once it is in the file', async () => {
    const tempDir = join(dir, 'tmp');
    const data = randomBytes(5 * 1024 * 1024 + 123);
    const oid = sha256(data);
    store.objects.set(oid, data);
    const given: Buffer[] = [];
    const behind: string[] = [];
    const path = await downloadVerified({
      store,
      oid,
      size: data.length,
      tempDir,
      onWritten: (chunks) => {
        given.push(...chunks);
        const handed = given.reduce((n, c) => n + c.length, 0);
        const [file] = readdirSync(tempDir);
        const written = statSync(join(tempDir, file!)).size;
        if (written < handed) behind.push(`${handed} handed, ${written} written`);
        return undefined;
      },
    });
    assert.deepEqual(behind, []);
    assert.ok(given.length > 5, `${given.length} chunks handed over`);
    assert.ok(Buffer.concat(given).equals(data), 'the bytes handed over, in order');
    assert.ok(readFileSync(path).equals(data), 'the file');
    await rm(path);
  });

  it('a batch reaches the reader once written, not once the next one has come (a stalled connection)', async () => {
    const tempDir = join(dir, 'tmp-stall');
    const data = randomBytes(3 * 1024 * 1024);
    const oid = sha256(data);
    store.objects.set(oid, data);
    // The body stops half-way through the second megabyte.
    store.stallAt = 1536 * 1024;
    let firstBatch!: () => void;
    const gotFirst = new Promise<void>((resolve) => (firstBatch = resolve));
    let handed = 0;
    const download = downloadVerified({
      store,
      oid,
      size: data.length,
      tempDir,
      onWritten: (chunks) => {
        handed += chunks.reduce((n, c) => n + c.length, 0);
        firstBatch();
        return undefined;
      },
    });
    try {
      await gotFirst;
      assert.ok(handed >= 1024 * 1024 && handed <= 1536 * 1024, `${handed} bytes handed over while the body is stalled`);
    } finally {
      store.stallAt = undefined;
      store.resume();
    }
    const path = await download;
    assert.equal(handed, data.length);
    assert.ok(readFileSync(path).equals(data));
    await rm(path);
  });

  it('a body that breaks off half-way fails the download and leaves no temp file', async () => {
    const tempDir = join(dir, 'tmp-broken');
    const data = randomBytes(4 * 1024 * 1024);
    const oid = sha256(data);
    store.objects.set(oid, data);
    store.failAfter = 3 * 1024 * 1024;
    let handed = 0;
    await assert.rejects(
      downloadVerified({ store, oid, size: data.length, tempDir, onWritten: (chunks) => void (handed += chunks.length) }),
      /connection reset/,
    );
    store.failAfter = undefined;
    assert.ok(handed > 0, 'batches were handed over before the break');
    assert.deepEqual(readdirSync(tempDir), []);
  });
});
