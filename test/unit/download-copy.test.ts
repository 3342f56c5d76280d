// downloadVerified with copyWhileDownloading (hydrate's working-tree temp file, written during the download):
// both files hold the object's exact bytes, the copy with the requested mode, small or large
// (large ones are preallocated first); a wrong object leaves the call rejected and the store clean.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IntegrityError } from '../../src/errors/index.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import { copyWhileDownloading } from '../../src/local/download-copy.js';
import { downloadVerified } from '../../src/local/verified-download.js';
import { PREALLOCATE_FROM_BYTES } from '../../src/util/preallocate.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

describe('downloadVerified with copyWhileDownloading', () => {
  let dir: string;
  const store = new MemoryStore();
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-download-copy-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  for (const [name, size] of [
    ['small', 5_000],
    ['large (preallocated)', PREALLOCATE_FROM_BYTES + 12_345],
  ] as const) {
    it(`writes the ${name} object to both files, byte for byte`, async () => {
      const data = randomBytes(size);
      const oid = sha256(data);
      store.objects.set(oid, data);
      const copy = join(dir, `${oid}.copy`);
      const path = await downloadVerified({ store, oid, size, tempDir: join(dir, 'tmp') }, copyWhileDownloading(copy, 0o755, size));
      assert.ok(readFileSync(path).equals(data), 'the store temp file');
      const copied = readFileSync(copy);
      assert.equal(copied.length, size);
      assert.ok(copied.equals(data), 'the working-tree copy');
      assert.equal(statSync(copy).mode & 0o777, 0o755 & ~process.umask());
      await rm(path);
      await rm(copy);
      store.objects.delete(oid);
    });
  }

  it('rejects a large object whose bytes do not match its oid, leaving no store temp file', async () => {
    const data = randomBytes(PREALLOCATE_FROM_BYTES + 1);
    const oid = sha256(data);
    data[data.length - 1]! ^= 1;
    store.objects.set(oid, data);
    const tempDir = join(dir, 'tmp-bad');
    await assert.rejects(
      downloadVerified({ store, oid, size: data.length, tempDir }, copyWhileDownloading(join(dir, 'bad.copy'), 0o644, data.length)),
      IntegrityError,
    );
    assert.deepEqual(readdirSync(tempDir), []);
    store.objects.delete(oid);
  });
});
