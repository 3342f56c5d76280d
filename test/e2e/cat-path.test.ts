// `lfs-lazy cat` and `lfs-lazy path` against a lazy clone: real git, git-lfs, s3rver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { CLI_PATH } from '../helpers/sandbox.js';
import { makeReadFixture, PATHS, runBinary, sha256, type ReadFixture } from './lazy-read-fixture.js';

describe('lfs-lazy cat / path', { timeout: 300_000 }, () => {
  let rf: ReadFixture;
  let clone: string;

  before(async () => {
    rf = await makeReadFixture();
    clone = await rf.lazyClone('clone-cat');
  });
  after(async () => {
    await rf?.fx.cleanup();
  });

  it('the clone is lazy: LFS files are pointers and the local store is empty', async () => {
    const text = await readFile(join(clone, PATHS.big), 'utf8');
    assert.match(text, new RegExp(`^version https://git-lfs.github.com/spec/v1\noid sha256:${rf.file(PATHS.big).oid}\n`));
    assert.equal(existsSync(rf.lfsObject(clone, rf.file(PATHS.big).oid)), false);
  });

  it('cat writes the exact bytes of pointer files and of an ordinary file, without touching the working tree', async () => {
    for (const path of [PATHS.big, PATHS.labels, PATHS.empty, PATHS.readme]) {
      const result = await rf.cli(['cat', path], clone);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.equal(sha256(result.stdout), rf.file(path).oid, `${path}: wrong bytes (${result.stdout.length})`);
    }
    assert.match(await readFile(join(clone, PATHS.labels), 'utf8'), /^version https:\/\/git-lfs/);
    assert.equal((await rf.fx.box.git(['status', '--porcelain'], { cwd: clone })).stdout, '');
  });

  it('cat of several paths concatenates them in order, from a subdirectory too', async () => {
    const result = await rf.cli(['cat', 'labels.json', '../README.md', 'big.bin'], join(clone, 'data'));
    assert.equal(result.code, 0, result.stderr);
    const expected = Buffer.concat([PATHS.labels, PATHS.readme, PATHS.big].map((p) => rf.file(p).content));
    assert.ok(result.stdout.equals(expected), 'concatenation differs');
  });

  it('cat into a reader that goes away (| head) ends quietly with status 0', async () => {
    const script = `set -o pipefail; '${process.execPath}' '${CLI_PATH}' cat ${PATHS.big} | head -c 1000 >/dev/null`;
    const result = await runBinary('bash', ['-c', script], { cwd: clone, env: rf.fx.box.env });
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
  });

  it('path prints the verified object in the read cache, fetching it there and not into git-lfs\'s store', async () => {
    const { oid } = rf.file(PATHS.labels);
    const result = await rf.cli(['path', PATHS.labels], clone);
    assert.equal(result.code, 0, result.stderr);
    const printed = result.stdout.toString().trimEnd();
    assert.equal(printed, rf.readCacheObject(clone, oid));
    assert.ok(printed.startsWith(join(clone, '.git', 'lfs-lazy', 'read-cache', 'objects') + sep));
    assert.equal(existsSync(rf.lfsObject(clone, oid)), false, 'a read changed what checkouts materialise');
    assert.equal(sha256(await readFile(printed)), oid);
    assert.deepEqual(rf.tempFiles(clone), []);
    // The working tree still holds the pointer.
    assert.match(await readFile(join(clone, PATHS.labels), 'utf8'), /^version https:\/\/git-lfs/);
  });

  it('path of the empty LFS file and of an ordinary file', async () => {
    const empty = await rf.cli(['path', PATHS.empty], clone);
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal((await readFile(empty.stdout.toString().trimEnd())).length, 0);
    const readme = await rf.cli(['path', PATHS.readme], clone);
    assert.equal(readme.code, 0, readme.stderr);
    assert.equal(readme.stdout.toString(), `${join(clone, PATHS.readme)}\n`);
  });

  it('a path that is not in the repository is a one-line error with a non-zero exit', async () => {
    for (const command of ['cat', 'path']) {
      const result = await rf.cli([command, 'data/nope.bin'], clone);
      assert.notEqual(result.code, 0);
      assert.equal(result.stdout.length, 0);
      assert.equal(result.stderr, `lfs-lazy ${command}: data/nope.bin is not in the repository\n`);
    }
  });

  it('an object missing from the bucket is a one-line error naming the path and the oid', async () => {
    const { oid } = rf.file(PATHS.gone);
    const putBack = await rf.fx.bucket.takeAway(oid);
    try {
      for (const command of ['cat', 'path']) {
        const result = await rf.cli([command, PATHS.gone], clone);
        assert.notEqual(result.code, 0);
        assert.equal(result.stdout.length, 0);
        assert.equal(result.stderr.trimEnd().split('\n').length, 1, result.stderr);
        assert.match(result.stderr, new RegExp(`^lfs-lazy ${command}: ${PATHS.gone}: object ${oid} is missing from s3://`));
      }
      assert.equal(existsSync(rf.readCacheObject(clone, oid)), false);
      assert.equal(existsSync(rf.lfsObject(clone, oid)), false);
      assert.deepEqual(rf.tempFiles(clone), []);
    } finally {
      await putBack();
    }
  });
});
