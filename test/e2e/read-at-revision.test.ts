// Reads at a revision through the library (`rev` of readFile / createReadStream / localPath), in
// process, against a lazy clone whose objects are in s3rver: the file as an older commit has it,
// without looking at or touching the working tree or the index.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { openRepository, type Repository } from '../../src/index.js';
import { fileContent } from '../helpers/lfs-fixture.js';
import { makeReadFixture, PATHS, sha256, type ReadFixture } from './lazy-read-fixture.js';

// The message itself (assert's RegExp form would match the error's name too).
async function rejectsWith(promise: Promise<unknown>, expected: RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.match(err.message, expected);
    return true;
  });
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

// Files of the first version (tag v1, HEAD~1) that the second one (HEAD) changes or removes.
const V1 = {
  notUtf8: { bytes: Buffer.from([...Buffer.from('data/a'), 0xff, ...Buffer.from('.bin')]), path: 'data/a\udcff.bin', content: fileContent(31, 7_000) },
  newline: { path: 'data/two\nlines.txt', content: Buffer.from('an ordinary file with a line break in its name\n') },
  glob: { path: 'data/*.bin', content: fileContent(32, 9_000) },
  globbed: { path: 'data/zz.bin', content: fileContent(33, 9_001) },
} as const;
const V2 = {
  labels: fileContent(40, 41_000),
  readme: Buffer.from('# a dataset, second version\n'),
  added: { path: 'data/new.bin', content: fileContent(41, 5_000) },
};

describe('reads at a revision (library)', { timeout: 300_000 }, () => {
  let rf: ReadFixture;
  let v1: string;
  const repos: Repository[] = [];
  const open = async (dir: string): Promise<Repository> => {
    const repo = await openRepository(dir);
    repos.push(repo);
    return repo;
  };
  const git = (args: string[], cwd: string) => rf.fx.box.git(args, { cwd });

  before(async () => {
    rf = await makeReadFixture();
    Object.assign(process.env, rf.fx.box.env);
    const origin = rf.fx.origin;
    // v1: the fixture's files, plus names that are not plain text and a symbolic link.
    await writeFile(Buffer.concat([Buffer.from(`${origin}/`), V1.notUtf8.bytes]), V1.notUtf8.content);
    for (const file of [V1.newline, V1.glob, V1.globbed]) await writeFile(join(origin, file.path), file.content);
    await symlink('../README.md', join(origin, 'data', 'link'));
    await git(['add', '.'], origin);
    await git(['commit', '-q', '-m', 'v1'], origin);
    await git(['tag', 'v1'], origin);
    v1 = (await git(['rev-parse', 'HEAD'], origin)).stdout.trim();
    // v2: one LFS file changed, one removed, the ordinary file changed, v1's extras gone, one added.
    await writeFile(join(origin, PATHS.labels), V2.labels);
    await writeFile(join(origin, PATHS.readme), V2.readme);
    await writeFile(join(origin, V2.added.path), V2.added.content);
    await git(['rm', '-q', PATHS.big, 'data/link', ':(literal)data/*.bin', V1.newline.path], origin);
    await rm(Buffer.concat([Buffer.from(`${origin}/`), V1.notUtf8.bytes]));
    await git(['add', '-A'], origin);
    await git(['commit', '-q', '-m', 'v2'], origin);
    await git(['push', '-q', 'origin', 'main', 'v1'], origin);
  });
  after(async () => {
    for (const repo of repos) repo.close();
    await rf?.fx.cleanup();
  });

  // What a read must not change: the index, the working tree, git status.
  async function snapshot(clone: string): Promise<string> {
    const index = sha256(await readFile(join(clone, '.git', 'index')));
    const files = await Promise.all([PATHS.labels, PATHS.readme, V2.added.path].map(async (p) => sha256(await readFile(join(clone, p)))));
    const status = (await git(['status', '--porcelain', '--ignored'], clone)).stdout;
    return JSON.stringify({ index, files, status, big: existsSync(join(clone, PATHS.big)) });
  }

  it('readFile at HEAD~1, a tag and a commit id gives the old content of a changed, a removed and an ordinary file; nothing else changes', async () => {
    const clone = await rf.lazyClone('clone-revs');
    const repo = await open(clone);
    const before = await snapshot(clone);
    for (const rev of ['HEAD~1', 'v1', v1]) {
      for (const path of [PATHS.labels, PATHS.big, PATHS.readme, PATHS.empty]) {
        const bytes = await repo.readFile(path, { rev });
        assert.equal(sha256(bytes), rf.file(path).oid, `${rev}:${path}: wrong bytes (${bytes.length})`);
      }
    }
    // Without a revision: the checked-out version.
    assert.ok((await repo.readFile(PATHS.labels)).equals(V2.labels));
    assert.ok((await repo.readFile(PATHS.readme)).equals(V2.readme));
    assert.equal(await snapshot(clone), before);
    // The removed file's object went into the read cache, not git-lfs's store.
    const { oid } = rf.file(PATHS.big);
    assert.equal(sha256(await readFile(rf.readCacheObject(clone, oid))), oid);
    assert.equal(existsSync(rf.lfsObject(clone, oid)), false, 'a read changed what checkouts materialise');
  });

  it('localPath of a pointer-only object at an old revision fetches it into the read cache, verified', async () => {
    const clone = await rf.lazyClone('clone-localpath');
    const repo = await open(join(clone, 'data'));
    const { oid } = rf.file(PATHS.big);
    assert.equal(existsSync(rf.readCacheObject(clone, oid)), false);
    // Relative to the directory the repository was opened from, as without a revision.
    const path = await repo.localPath('big.bin', { rev: 'HEAD~1' });
    assert.equal(path, rf.readCacheObject(clone, oid));
    assert.equal(sha256(await readFile(path)), oid);
    assert.equal(existsSync(rf.lfsObject(clone, oid)), false);
    assert.deepEqual(rf.tempFiles(clone), []);
  });

  it('an object of an old revision that the bucket holds corrupted is refused, naming <rev>:<path>, and nothing is kept', async () => {
    const clone = await rf.lazyClone('clone-corrupt');
    const repo = await open(clone);
    const oid = sha256(V1.glob.content);
    const original = (await rf.fx.bucket.get(oid))!;
    const flipped = Buffer.from(original);
    flipped[4_321] = flipped[4_321]! ^ 0xff;
    await rf.fx.bucket.put(oid, flipped);
    try {
      await assert.rejects(repo.readFile(V1.glob.path, { rev: 'v1' }), (err: Error) => {
        assert.match(err.message, new RegExp(`^v1:data/\\*\\.bin: object ${oid} at s3://\\S+ failed verification \\(hash mismatch\\)`));
        return true;
      });
      await assert.rejects(repo.localPath(V1.glob.path, { rev: 'v1' }), /failed verification/);
      assert.equal(existsSync(rf.readCacheObject(clone, oid)), false);
      assert.deepEqual(rf.tempFiles(clone), []);
    } finally {
      await rf.fx.bucket.put(oid, original);
    }
    assert.ok((await repo.readFile(V1.glob.path, { rev: 'v1' })).equals(V1.glob.content));
  });

  it('a range at a revision: one Range request for an object that is not local, a slice of the blob for an ordinary file', async () => {
    const clone = await rf.lazyClone('clone-range');
    const repo = await open(clone);
    const { oid, content } = rf.file(PATHS.big);
    for (const [start, end] of [[1_000_000, 1_500_000], [123, 123], [content.length - 10, content.length + 99]] as const) {
      const got = await collect(repo.createReadStream(PATHS.big, { rev: 'HEAD~1', start, end }));
      assert.ok(got.equals(content.subarray(start, end + 1)), `range ${start}-${end}: ${got.length} bytes`);
    }
    assert.equal(existsSync(rf.readCacheObject(clone, oid)), false, 'a ranged read downloaded the object');
    const readme = rf.file(PATHS.readme).content;
    for (const [start, end] of [[2, 10], [5, undefined], [0, 0], [readme.length - 1, readme.length + 5]] as const) {
      const got = await collect(repo.createReadStream(PATHS.readme, { rev: 'HEAD~1', start, end }));
      assert.ok(got.equals(readme.subarray(start, end === undefined ? undefined : end + 1)), `README range ${start}-${end}: ${JSON.stringify(got.toString())}`);
    }
    assert.equal((await collect(repo.createReadStream(PATHS.readme, { rev: 'HEAD~1', start: readme.length }))).length, 0);
  });

  it('an ordinary file at a revision: the blob as committed; localPath gives a read-cache copy of it under its SHA-256', async () => {
    const clone = await rf.lazyClone('clone-plain');
    const repo = await open(clone);
    const old = rf.file(PATHS.readme).content;
    const path = await repo.localPath(PATHS.readme, { rev: 'HEAD~1' });
    assert.equal(path, rf.readCacheObject(clone, sha256(old)));
    assert.ok((await readFile(path)).equals(old));
    // The working-tree file is what localPath gives without a revision.
    assert.equal(await repo.localPath(PATHS.readme), join(clone, PATHS.readme));
  });

  it('names that are not plain text at a revision: not UTF-8, a line break, a glob character', async () => {
    const clone = await rf.lazyClone('clone-names');
    const repo = await open(clone);
    assert.ok((await repo.readFile(V1.notUtf8.path, { rev: 'v1' })).equals(V1.notUtf8.content));
    assert.ok((await repo.readFile(V1.newline.path, { rev: 'v1' })).equals(V1.newline.content));
    // `data/*.bin` is that one file, not every .bin of data/.
    assert.ok((await repo.readFile(V1.glob.path, { rev: 'v1' })).equals(V1.glob.content));
    assert.ok((await repo.readFile(V1.globbed.path, { rev: 'v1' })).equals(V1.globbed.content));
    await rejectsWith(repo.readFile('data/a\udcfe.bin', { rev: 'v1' }), /^v1:"data\/a\\376\.bin" does not exist$/);
  });

  it('a revision that git could read as an option is refused before git sees it', async () => {
    const clone = await rf.lazyClone('clone-option');
    const repo = await open(clone);
    const refusal = /^invalid revision --output=x: a revision cannot start with "-"$/;
    assert.throws(() => repo.createReadStream(PATHS.readme, { rev: '--output=x' }), (err: Error) => refusal.test(err.message));
    await rejectsWith(repo.readFile(PATHS.readme, { rev: '--output=x' }), refusal);
    await rejectsWith(repo.localPath(PATHS.labels, { rev: '--output=x' }), refusal);
    await rejectsWith(repo.readFile(PATHS.readme, { rev: '' }), /^a revision must be a non-empty string$/);
    await rejectsWith(repo.readFile(PATHS.readme, { rev: 'HEAD\n--output=x' }), /^invalid revision "HEAD\\n--output=x"$/);
    assert.equal(existsSync(join(clone, 'x')), false);
    assert.equal(existsSync(join(process.cwd(), 'x')), false);
  });

  it('an unknown revision, a path missing at the revision, a directory, a link and .git are clear errors naming path and revision', async () => {
    const clone = await rf.lazyClone('clone-errors');
    await mkdir(join(clone, 'sub'));
    const repo = await open(clone);
    const cases: Array<[string, string, RegExp]> = [
      ['no-such-rev', PATHS.labels, /^unknown revision no-such-rev: not a commit of this repository$/],
      ['HEAD^{tree}', PATHS.labels, /^unknown revision HEAD\^\{tree\}: not a commit of this repository$/],
      ['HEAD~1', V2.added.path, /^HEAD~1:data\/new\.bin does not exist$/],
      ['HEAD', PATHS.big, /^HEAD:data\/big\.bin does not exist$/],
      ['HEAD', 'data/nope.bin', /^HEAD:data\/nope\.bin does not exist$/],
      ['HEAD~1', 'data', /^HEAD~1:data is a directory$/],
      ['v1', 'data/link', /^v1:data\/link is a symbolic link: reads at a revision do not follow links$/],
      ['HEAD', '.git/config', /^HEAD:\.git\/config does not exist$/],
      ['HEAD', '../outside.bin', /is outside the repository at/],
    ];
    for (const [rev, path, expected] of cases) {
      await rejectsWith(repo.readFile(path, { rev }), expected);
      await rejectsWith(repo.localPath(path, { rev }), expected);
    }
  });
});
