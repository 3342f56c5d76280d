// hydrate, dehydrate and status while a merge conflict is under way. The working tree holds one
// side of an unmerged LFS path (ours, or theirs when ours deleted it), as a pointer in a lazy
// clone: hydrate gives it its content as git-lfs would have, status lists it, dehydrate leaves it
// (reported), and none of them touches the index, whose unmerged stages are the user's to resolve. Found
// by the differential fuzz (seed 900060): `hydrate .` had skipped such a path without a word.
// Real git, git-lfs and s3rver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';

const BASE = fileContent(1, 3_000);
const EDITED = fileContent(2, 3_500);

describe('hydrate during a merge conflict', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  const git = async (args: string[], cwd: string) => (await fx.box.git(args, { cwd })).stdout;
  const stages = (cwd: string) => git(['ls-files', '-s', '--', 'a.bin'], cwd);

  before(async () => {
    fx = await makeLfsFixture({ files: [{ path: 'a.bin', content: BASE }, { path: 'b.bin', content: fileContent(3, 2_000) }] });
    // `edit` changes a.bin, `drop` deletes it: merging one into the other is a modify/delete conflict.
    await git(['checkout', '-q', '-b', 'edit'], fx.origin);
    await writeFile(join(fx.origin, 'a.bin'), EDITED);
    await git(['commit', '-q', '-am', 'edit a.bin'], fx.origin);
    await git(['checkout', '-q', '-b', 'drop', 'main'], fx.origin);
    await rm(join(fx.origin, 'a.bin'));
    await git(['commit', '-q', '-am', 'drop a.bin'], fx.origin);
    await git(['push', '-q', 'origin', 'edit', 'drop'], fx.origin);
  });
  after(() => fx?.cleanup());

  async function conflicted(name: string, ours: string, theirs: string): Promise<string> {
    const clone = await fx.clone(name);
    await git(['checkout', '-q', ours], clone);
    const merge = await fx.box.git(['merge', '-q', `origin/${theirs}`], { cwd: clone, allowFail: true });
    assert.equal(merge.code, 1, 'the merge stops on the conflict');
    return clone;
  }

  for (const [ours, theirs, status, side] of [
    ['edit', 'drop', 'UD', 'ours (stage 2)'],
    ['drop', 'edit', 'DU', 'theirs (stage 3), ours having deleted it'],
  ] as const) {
    it(`${status}: the side in the working tree, ${side}, is hydrated, listed, kept by dehydrate; the conflict stays as it was`, async () => {
      const clone = await conflicted(`clone-${status}`, ours, theirs);
      const pointer = await readFile(join(clone, 'a.bin'));
      assert.match(pointer.toString(), /^version https:\/\/git-lfs\.github\.com\/spec\/v1\n/, 'the lazy clone left a pointer');
      const before = await stages(clone);
      assert.match(before, / [23]\ta\.bin\n/);
      assert.doesNotMatch(before, / 0\ta\.bin\n/);

      const listed = await fx.box.cli(['status'], { cwd: clone });
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /^pointer .* a\.bin$/m, 'status lists the unmerged file');

      const hydrated = await fx.box.cli(['hydrate', '.'], { cwd: clone });
      assert.equal(hydrated.code, 0, hydrated.stderr);
      assert.ok((await readFile(join(clone, 'a.bin'))).equals(EDITED), 'a.bin holds its content');
      assert.equal(await stages(clone), before, 'the index still holds the conflict');
      assert.match(await git(['status', '--porcelain'], clone), new RegExp(`^${status} a\\.bin$`, 'm'));

      // Not taken back to a pointer while the conflict lasts (dehydrate keeps anything the index
      // holds apart from the commits as content): said, and nothing changes.
      const dehydrated = await fx.box.cli(['dehydrate', '--json', 'a.bin'], { cwd: clone });
      assert.equal(dehydrated.code, 0, dehydrated.stderr);
      assert.deepEqual((JSON.parse(dehydrated.stdout) as { skipped: unknown[] }).skipped, [{ path: 'a.bin', reason: 'staged' }]);
      assert.ok((await readFile(join(clone, 'a.bin'))).equals(EDITED), 'a.bin keeps its content');
      assert.equal(await stages(clone), before, 'the index still holds the conflict');

      // Resolving it is the user's: `git add` of the hydrated file stages the same pointer.
      await git(['add', 'a.bin'], clone);
      assert.equal(await git(['show', ':a.bin'], clone), pointer.toString());
    });
  }

  it('a working-tree file that is not that side’s pointer is a local change: reported, left alone', async () => {
    const clone = await conflicted('clone-edited', 'edit', 'drop');
    const mine = Buffer.from('my resolution\n');
    await writeFile(join(clone, 'a.bin'), mine);
    const before = await stages(clone);
    const hydrated = await fx.box.cli(['hydrate', '--json', '.'], { cwd: clone });
    assert.equal(hydrated.code, 0, hydrated.stderr);
    assert.deepEqual((JSON.parse(hydrated.stdout) as { skipped: unknown[] }).skipped, [{ path: 'a.bin', reason: 'modified' }]);
    assert.ok((await readFile(join(clone, 'a.bin'))).equals(mine));
    assert.equal(await stages(clone), before);
  });
});
