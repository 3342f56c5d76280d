// git-lfs's own checks in a lazy clone. `git lfs fsck` checks the objects of HEAD in
// .git/lfs/objects, so in a lazy clone it reports every object that is not here as an openError
// and exits 1 — as in git-lfs's own GIT_LFS_SKIP_SMUDGE clone — while it moves nothing (its
// "repair" line names .git/lfs/bad, which stays empty). `git lfs fsck --pointers` passes, and
// `lfs-lazy status --remote` answers what a user who runs fsck wants to know: whether the bucket
// has every object (README, troubleshooting).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';

const FILES = [
  { path: 'data/a.bin', content: fileContent(1, 3_000) },
  { path: 'data/b.bin', content: fileContent(2, 4_000) },
];

describe("git-lfs's own checks in a lazy clone", { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let clone: string;

  before(async () => {
    fx = await makeLfsFixture({ files: FILES });
    clone = await fx.clone('clone');
    await fx.box.cli(['hydrate', 'data/a.bin'], { cwd: clone });
  });
  after(() => fx?.cleanup());

  it('git lfs fsck reports the objects that are not here and moves nothing; --pointers passes', async () => {
    const fsck = await fx.box.git(['lfs', 'fsck'], { cwd: clone, allowFail: true });
    assert.equal(fsck.code, 1);
    const b = FILES[1]!;
    assert.match(fsck.stdout + fsck.stderr, new RegExp(`openError: data/b\\.bin \\(${fx.files.find((f) => f.path === b.path)!.oid}\\) could not be checked`));
    assert.doesNotMatch(fsck.stdout + fsck.stderr, /data\/a\.bin/, 'the local object checks out');
    const bad = join(clone, '.git', 'lfs', 'bad');
    assert.deepEqual(existsSync(bad) ? readdirSync(bad) : [], [], 'nothing moved aside');
    assert.equal((await fx.box.git(['lfs', 'fsck', '--pointers'], { cwd: clone })).stdout.trim(), 'Git LFS fsck OK');
  });

  it('lfs-lazy status --remote says the bucket has every object', async () => {
    const report = JSON.parse((await fx.box.cli(['status', '--remote', '--json'], { cwd: clone })).stdout) as { files: Array<{ path: string; local: boolean; remote: boolean }> };
    assert.deepEqual(report.files.map((f) => `${f.path} local=${f.local} remote=${f.remote}`), ['data/a.bin local=true remote=true', 'data/b.bin local=false remote=true']);
  });
});
