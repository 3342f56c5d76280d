// The read cache keeps within lfs-lazy.cachesize: least recently read objects go first, objects read
// in the last minute stay (a reader may not have opened them yet), git-lfs's store is never touched.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeReadFixture, PATHS, type ReadFixture } from './lazy-read-fixture.js';

describe('the bounded read cache', { timeout: 300_000 }, () => {
  let rf: ReadFixture;
  let clone: string;
  const cached = (path: string): boolean => existsSync(rf.readCacheObject(clone, rf.file(path).oid));
  const readAgo = async (path: string, minutes: number): Promise<void> => {
    const when = (Date.now() - minutes * 60_000) / 1000;
    await utimes(rf.readCacheObject(clone, rf.file(path).oid), when, when);
  };
  const ok = async (args: string[]): Promise<string> => {
    const result = await rf.cli(args, clone);
    assert.equal(result.code, 0, result.stderr);
    return result.stdout.toString();
  };

  before(async () => {
    rf = await makeReadFixture();
    clone = await rf.lazyClone('clone-cache');
  });
  after(async () => {
    await rf?.fx.cleanup();
  });
  const budget = (size: string) => rf.fx.box.git(['config', 'lfs-lazy.cachesize', size], { cwd: clone });

  it('evicts the least recently read objects once over budget, and no more than needed', async () => {
    // big.bin (3,149,825 B) and labels.json (40,000 B) fit; gone.bin (50,000 B) besides them does not.
    await budget('3200000');
    await ok(['path', PATHS.labels]);
    await ok(['path', PATHS.gone]);
    await readAgo(PATHS.labels, 10);
    await readAgo(PATHS.gone, 5);
    // Read again (and some minutes pass): labels.json is now the more recently read of the two.
    await ok(['cat', PATHS.labels]);
    await readAgo(PATHS.labels, 3);
    await ok(['cat', PATHS.big]);
    assert.ok(cached(PATHS.big), 'the object just fetched was evicted');
    assert.equal(cached(PATHS.gone), false, 'the least recently read object was kept');
    assert.ok(cached(PATHS.labels), 'evicted more than the budget needed, or not the least recently read');
  });

  it('keeps objects read within the last minute, even over budget', async () => {
    await budget('100k');
    await ok(['prune-cache', '--all']);
    await ok(['path', PATHS.labels]);
    await ok(['cat', PATHS.big]); // 3 MiB + 40,000 B > 100 KiB
    assert.ok(cached(PATHS.labels), 'an object handed out moments ago was evicted');
    assert.ok(cached(PATHS.big));
    assert.match(await ok(['status']), /^read cache: 2 objects, 3\.2 MB of 102\.4 kB /m);
  });

  it('prune-cache empties it but for recent reads; --all empties it; git-lfs\'s store is untouched', async () => {
    await ok(['hydrate', PATHS.gone]);
    const hydrated = rf.lfsObject(clone, rf.file(PATHS.gone).oid);
    assert.ok(existsSync(hydrated));
    assert.match(await ok(['prune-cache']), /^removed 0 objects \(0 B\) from the read cache; kept 2 objects read in the last 60 s/);
    await readAgo(PATHS.big, 2);
    assert.match(await ok(['prune-cache']), /^removed 1 object \(3\.1 MB\) from the read cache; kept 1 object/);
    assert.match(await ok(['prune-cache', '--all']), /^removed 1 object \(40\.0 kB\) from the read cache\n$/);
    assert.equal(cached(PATHS.labels), false);
    assert.ok(existsSync(hydrated), 'prune-cache removed an object of git-lfs\'s store');
    // A read after pruning fetches again.
    assert.equal(rf.file(PATHS.labels).content.toString(), await ok(['cat', PATHS.labels]));
  });

  it('a read whose copy cannot be kept still gives the verified bytes, says why, and leaves no temp file', async () => {
    await budget('4GiB');
    await ok(['prune-cache', '--all']);
    const { oid, content } = rf.file(PATHS.labels);
    // The cache's objects directory cannot be made: a file stands where it goes.
    const shard = dirname(rf.readCacheObject(clone, oid));
    await rm(shard, { recursive: true, force: true });
    await mkdir(dirname(shard), { recursive: true });
    await writeFile(shard, 'in the way');
    // Warnings go to stderr once a level is set (cat's stderr is otherwise the user's).
    await rf.fx.box.git(['config', 'lfs-lazy.loglevel', 'warn'], { cwd: clone });
    try {
      const result = await rf.cli(['cat', PATHS.labels], clone);
      assert.equal(result.code, 0, result.stderr);
      assert.ok(result.stdout.equals(content), 'cat gave other bytes');
      assert.match(result.stderr, /the object was read, but its copy could not be kept/);
      assert.equal(cached(PATHS.labels), false);
      const tmp = join(clone, '.git', 'lfs-lazy', 'read-cache', 'tmp');
      assert.deepEqual(existsSync(tmp) ? readdirSync(tmp) : [], [], 'a temp file was left behind');
      // What needs the file itself cannot do without it: path fails, and says why.
      const path = await rf.cli(['path', PATHS.labels], clone);
      assert.equal(path.code, 1);
      assert.match(path.stderr, /E(NOTDIR|EXIST)/);
    } finally {
      await rm(shard, { force: true });
      await rf.fx.box.git(['config', '--unset', 'lfs-lazy.loglevel'], { cwd: clone });
    }
    assert.equal(await ok(['cat', PATHS.labels]), content.toString());
    assert.ok(cached(PATHS.labels), 'the next read kept its copy');
  });
});
