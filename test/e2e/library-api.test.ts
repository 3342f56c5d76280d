// The library API (`import { openRepository } from 'lfs-lazy'`) in process, against a lazy clone
// whose objects are in s3rver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { openRepository, type Repository } from '../../src/index.js';
import { makeReadFixture, PATHS, sha256, type ReadFixture } from './lazy-read-fixture.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('library API: openRepository', { timeout: 300_000 }, () => {
  let rf: ReadFixture;
  const repos: Repository[] = [];
  const open = async (dir: string): Promise<Repository> => {
    const repo = await openRepository(dir);
    repos.push(repo);
    return repo;
  };

  before(async () => {
    rf = await makeReadFixture();
    // In process: git and the AWS SDK read this process's environment (isolated HOME, s3rver keys).
    Object.assign(process.env, rf.fx.box.env);
  });
  after(async () => {
    for (const repo of repos) repo.close();
    await rf?.fx.cleanup();
  });

  it('readFile returns the exact bytes of pointer files, the empty file and an ordinary file', async () => {
    const clone = await rf.lazyClone('clone-read');
    const repo = await open(clone);
    for (const path of [PATHS.big, PATHS.labels, PATHS.empty, PATHS.readme]) {
      const bytes = await repo.readFile(path);
      assert.equal(sha256(bytes), rf.file(path).oid, `${path}: wrong bytes (${bytes.length})`);
    }
    // A full read leaves a verified local copy, and the working tree untouched.
    assert.equal(sha256(await readFile(rf.readCacheObject(clone, rf.file(PATHS.big).oid))), rf.file(PATHS.big).oid);
    assert.equal(existsSync(rf.lfsObject(clone, rf.file(PATHS.big).oid)), false, 'a read went into git-lfs\'s store');
    assert.match(await readFile(join(clone, PATHS.big), 'latin1'), /^version https:\/\/git-lfs/);
    assert.deepEqual(rf.tempFiles(clone), []);
  });

  it('paths are relative to the repository root, or to the directory the repository was opened from', async () => {
    const clone = await rf.lazyClone('clone-subdir');
    const repo = await open(join(clone, 'data'));
    assert.equal(repo.root, clone);
    const expected = rf.file(PATHS.labels).content;
    assert.ok((await repo.readFile('labels.json')).equals(expected));
    assert.ok((await repo.readFile(PATHS.labels)).equals(expected));
    assert.ok((await repo.readFile(join(clone, PATHS.labels))).equals(expected));
    assert.ok((await repo.readFile('../README.md')).equals(rf.file(PATHS.readme).content));
  });

  it('a ranged read of a non-local object returns the exact slice without downloading the object', async () => {
    const clone = await rf.lazyClone('clone-range');
    const repo = await open(clone);
    const { oid, content } = rf.file(PATHS.big);
    const size = content.length;
    const cases: Array<[number | undefined, number | undefined]> = [
      [1_000_000, 1_500_000],
      [123, 123], // a single byte (not at 0: s3rver answers bytes=0-0 with the whole object)
      [0, 99],
      [size - 10, size + 1000], // end clamped to the last byte
      [2_000_000, undefined], // to the end
    ];
    for (const [start, end] of cases) {
      const got = await collect(repo.createReadStream(PATHS.big, { start, end }));
      const want = content.subarray(start ?? 0, end === undefined ? size : end + 1);
      assert.ok(got.equals(want), `range ${start}-${end}: ${got.length} bytes, expected ${want.length}`);
    }
    assert.equal((await collect(repo.createReadStream(PATHS.big, { start: size }))).length, 0);
    assert.equal((await collect(repo.createReadStream(PATHS.big, { start: size + 5, end: size + 10 }))).length, 0);
    assert.equal((await collect(repo.createReadStream(PATHS.empty, { start: 0, end: 10 }))).length, 0);
    // Not downloaded: no object in the local store, no temp file left behind.
    assert.equal(existsSync(rf.readCacheObject(clone, oid)), false);
    assert.deepEqual(rf.tempFiles(clone), []);
  });

  it('ranged and full reads are served locally once the object is local', async () => {
    const clone = await rf.lazyClone('clone-local');
    const repo = await open(clone);
    const { content } = rf.file(PATHS.big);
    assert.ok((await collect(repo.createReadStream(PATHS.big))).equals(content));
    // With the bucket's copy gone, only the local store can answer.
    const putBack = await rf.fx.bucket.takeAway(rf.file(PATHS.big).oid);
    try {
      const got = await collect(repo.createReadStream(PATHS.big, { start: 10, end: 2_500_000 }));
      assert.ok(got.equals(content.subarray(10, 2_500_001)));
    } finally {
      await putBack();
    }
  });

  it('a hydrated file is read from the working tree; a pointer file outside the index is resolved', async () => {
    const clone = await rf.lazyClone('clone-hydrated');
    const repo = await open(clone);
    const labels = rf.file(PATHS.labels);
    await writeFile(join(clone, PATHS.labels), labels.content);
    assert.ok((await repo.readFile(PATHS.labels)).equals(labels.content));
    assert.equal(existsSync(rf.readCacheObject(clone, labels.oid)), false, 'a hydrated file was fetched again');
    // An untracked copy of a pointer reads as the object it points to.
    await copyFile(join(clone, PATHS.gone), join(clone, 'untracked-pointer.bin'));
    assert.ok((await repo.readFile('untracked-pointer.bin')).equals(rf.file(PATHS.gone).content));
  });

  it('an object missing from the bucket rejects with one message naming the path and the oid', async () => {
    const clone = await rf.lazyClone('clone-missing');
    const repo = await open(clone);
    const { oid } = rf.file(PATHS.gone);
    const putBack = await rf.fx.bucket.takeAway(oid);
    try {
      const message = new RegExp(`^${PATHS.gone}: object ${oid} is missing from s3://`);
      await assert.rejects(repo.readFile(PATHS.gone), { message });
      await assert.rejects(collect(repo.createReadStream(PATHS.gone, { start: 100, end: 200 })), { message });
      await assert.rejects(repo.localPath(PATHS.gone), { message });
      assert.deepEqual(rf.tempFiles(clone), []);
    } finally {
      await putBack();
    }
  });

  it('a path that is not in the repository, or outside it, or a directory, is a clear error', async () => {
    const clone = await rf.lazyClone('clone-errors');
    const repo = await open(clone);
    await assert.rejects(repo.readFile('data/nope.bin'), { message: 'data/nope.bin is not in the repository' });
    await assert.rejects(collect(repo.createReadStream('data/nope.bin', { start: 1, end: 2 })), {
      message: 'data/nope.bin is not in the repository',
    });
    await assert.rejects(repo.readFile('../elsewhere.txt'), { message: `../elsewhere.txt is outside the repository at ${clone}` });
    await assert.rejects(repo.readFile('data'), { message: 'data is a directory' });
    await assert.rejects(repo.readFile('.git/config'), { message: '.git/config is not in the repository' });
    assert.throws(() => repo.createReadStream(PATHS.big, { start: 10, end: 5 }), /invalid range/);
    assert.throws(() => repo.createReadStream(PATHS.big, { start: -1 }), /invalid range/);
  });

  it('status and hydrate delegate to the hydration code', async () => {
    const clone = await rf.lazyClone('clone-hydrate');
    const repo = await open(clone);
    const before = await repo.status([PATHS.labels]);
    assert.deepEqual(before.files.map((f) => [f.path, f.state, f.local]), [[PATHS.labels, 'pointer', false]]);
    const report = await repo.hydrate([PATHS.labels]);
    assert.deepEqual(report.hydrated, [PATHS.labels]);
    assert.ok((await readFile(join(clone, PATHS.labels))).equals(rf.file(PATHS.labels).content));
    const after = await repo.status([PATHS.labels]);
    assert.equal(after.files[0]?.state, 'hydrated');
  });

  it('openRepository outside a git repository rejects', async () => {
    await assert.rejects(openRepository(rf.fx.box.home), /not inside a git repository/);
  });
});
