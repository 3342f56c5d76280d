import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError, InvalidOidError } from '../../src/errors/index.js';
import { FileStore } from '../../src/store/file-store.js';
import { readAll, runObjectStoreContract, sha256 } from './object-store-contract.js';

runObjectStoreContract('FileStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-filestore-'));
  return { store: new FileStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

describe('FileStore specifics', () => {
  let dir: string;
  let store: FileStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-filestore-'));
    store = new FileStore(join(dir, 'objects'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('uses the sharded layout, a private tmp dir, and leaves no temp files behind', async () => {
    const data = randomBytes(300);
    const oid = sha256(data);
    const source = join(dir, 'src.bin');
    await writeFile(source, data);
    await store.put(oid, data.length, source);
    const final = join(dir, 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
    assert.equal((await stat(final)).size, 300);
    assert.equal((await stat(join(dir, 'objects', 'tmp'))).mode & 0o777, 0o700);
    assert.equal((await stat(final)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(join(dir, 'objects', 'tmp')), []);
    assert.equal(store.locate(oid), `file://${final}`);
    assert.equal(store.url, `file://${join(dir, 'objects')}`);
  });

  it('replaces an object of the wrong size instead of trusting it', async () => {
    const data = randomBytes(50);
    const oid = sha256(data);
    const source = join(dir, 'src2.bin');
    await writeFile(source, data);
    await writeFile(join(source + '.short'), data.subarray(0, 10));
    await store.put(oid, 10, source + '.short');
    await store.put(oid, 50, source);
    assert.deepEqual(await readAll(await store.get(oid)), data);
  });

  it('rejects relative directories and invalid oids in locate', () => {
    assert.throws(() => new FileStore('relative/dir'), ConfigError);
    assert.throws(() => store.locate('../../etc/passwd'), InvalidOidError);
  });
});
