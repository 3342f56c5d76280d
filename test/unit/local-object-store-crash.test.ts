// The local object store's temp files under crashes and neighbours: named with an owner token,
// swept when their writer is dead, and a temp file removed by git-lfs's own tmp cleanup (it drops
// <oid>-… files once that object is stored) is no failure.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { LocalObjectStore } from '../../src/local/local-object-store.js';
import { machineTag } from '../../src/util/temp-files.js';
import { deadPid } from '../helpers/processes.js';
import { sha256 } from '../helpers/lfs-fixture.js';

describe('LocalObjectStore temp files', () => {
  let dir: string;
  let store: LocalObjectStore;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-los-'));
    store = new LocalObjectStore(join(dir, 'objects'), join(dir, 'tmp'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('sweeps what a killed process left before its first temp file, and nothing a live one writes', async () => {
    await mkdir(join(dir, 'tmp'), { recursive: true });
    const dead = `ingest-lfs-lazy-${machineTag()}-${await deadPid()}-0123abcd`;
    const live = `ingest-lfs-lazy-${machineTag()}-${process.pid}-0123abcd`;
    await writeFile(join(dir, 'tmp', dead), 'partial');
    await writeFile(join(dir, 'tmp', live), 'being written');
    const big = Buffer.alloc(9 * 1024 * 1024, 7); // beyond what ingest holds in memory
    const { oid } = await store.ingest(Readable.from([big]));
    assert.equal(oid, sha256(big));
    assert.deepEqual(await readdir(join(dir, 'tmp')), [live]);
  });

  it('adopt: a temp file removed by git-lfs because the object is stored already is a success', async () => {
    const data = Buffer.from('the object');
    const oid = sha256(data);
    await mkdir(join(dir, 'objects', oid.slice(0, 2), oid.slice(2, 4)), { recursive: true });
    await writeFile(store.pathFor(oid), data);
    const gone = join(dir, 'tmp', `${oid}-lfs-lazy-${machineTag()}-${process.pid}-0123abcd`);
    assert.equal(await store.adopt(gone, oid), store.pathFor(oid));
    assert.deepEqual(await readFile(store.pathFor(oid)), data);
    await assert.rejects(store.adopt(gone, sha256(Buffer.from('not stored'))), { code: 'ENOENT' });
  });
});
