// A dataset kept as a submodule of a training repository: `git clone --recurse-submodules` leaves
// the submodule's LFS files as lazy pointers, lfs-lazy works inside the submodule as in any
// repository, an edit there survives a pull that would overwrite it (as with git-lfs), and from the
// superproject lfs-lazy says where to run it rather than reading the submodule's pointer with the
// superproject's settings (or advising `git add`, which git refuses for a path in a submodule).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';

const FILES = [
  { path: 'data/a.bin', content: fileContent(1, 3_000) },
  { path: 'data/b.bin', content: fileContent(2, 4_000) },
];

describe('a dataset as a submodule', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let clone: string;
  let sub: string;
  // Submodules from a local path need file:// allowed (git ≥ 2.38.1).
  const git = async (args: string[], cwd: string) => (await fx.box.git(['-c', 'protocol.file.allow=always', ...args], { cwd })).stdout;
  const pointerOf = async (path: string) => Buffer.from(await git(['cat-file', 'blob', `HEAD:${path}`], sub), 'latin1');

  before(async () => {
    fx = await makeLfsFixture({ files: FILES });
    const superRemote = join(fx.box.root, 'super.git');
    const superOrigin = join(fx.box.root, 'super');
    await git(['init', '-q', '--bare', superRemote], fx.box.root);
    await git(['init', '-q', superOrigin], fx.box.root);
    await git(['submodule', 'add', '-q', fx.remote, 'dataset'], superOrigin);
    await writeFile(join(superOrigin, 'train.py'), 'print("training")\n');
    await git(['add', '.'], superOrigin);
    await git(['commit', '-q', '-m', 'training code with its dataset'], superOrigin);
    await git(['remote', 'add', 'origin', superRemote], superOrigin);
    await git(['push', '-q', 'origin', 'main'], superOrigin);
    clone = join(fx.box.root, 'clone');
    await git(['clone', '-q', '--recurse-submodules', superRemote, clone], fx.box.root);
    sub = join(clone, 'dataset');
  });
  after(() => fx?.cleanup());

  it('the clone leaves the submodule lazy; hydrate inside it gives content; both repositories clean', async () => {
    for (const file of FILES) assert.ok((await readFile(join(sub, file.path))).equals(await pointerOf(file.path)), `${file.path} is a pointer`);
    await fx.box.cli(['hydrate', 'data/a.bin'], { cwd: sub });
    assert.ok((await readFile(join(sub, 'data/a.bin'))).equals(FILES[0]!.content));
    assert.equal(await git(['status', '--porcelain'], sub), '');
    assert.equal(await git(['status', '--porcelain'], clone), '');
  });

  it('from the superproject, hydrate, cat and path of a submodule file say where to run them, and touch nothing', async () => {
    const advice = `'dataset/data/b.bin' is inside 'dataset', a repository of its own (a submodule): lfs-lazy works in one repository at a time — run it there, on 'data/b.bin' (cd '${sub}')`;
    const hydrate = await fx.box.cli(['hydrate', 'dataset/data/b.bin'], { cwd: clone, allowFail: true });
    assert.equal(hydrate.code, 1);
    assert.equal(hydrate.stderr, `lfs-lazy hydrate: nothing was hydrated: ${advice}\n`);
    for (const command of ['cat', 'path']) {
      const read = await fx.box.cli([command, 'dataset/data/b.bin'], { cwd: clone, allowFail: true });
      assert.equal(read.code, 1);
      assert.equal(read.stderr, `lfs-lazy ${command}: ${advice}\n`);
      assert.equal(read.stdout, '');
    }
    const whole = await fx.box.cli(['hydrate', 'dataset'], { cwd: clone, allowFail: true });
    assert.match(whole.stderr, /'dataset' is a repository of its own \(a submodule\).*run it there \(cd '/);
    assert.ok((await readFile(join(sub, 'data/b.bin'))).equals(await pointerOf('data/b.bin')), 'still the pointer');
    // A plain file of the superproject reads as before.
    assert.equal((await fx.box.cli(['cat', 'train.py'], { cwd: clone })).stdout, 'print("training")\n');
  });

  it('an edit in the submodule survives a pull of a new dataset version: git refuses to overwrite it', async () => {
    const newer = fileContent(3, 5_000);
    await writeFile(join(fx.origin, 'data/b.bin'), newer);
    await git(['commit', '-q', '-am', 'dataset v2'], fx.origin);
    await git(['push', '-q', 'origin', 'main'], fx.origin);
    const superOrigin = join(fx.box.root, 'super');
    await git(['submodule', 'update', '-q', '--remote'], superOrigin);
    await git(['commit', '-q', '-am', 'dataset v2'], superOrigin);
    await git(['push', '-q', 'origin', 'main'], superOrigin);

    const edit = Buffer.from('my relabelled data\n');
    await writeFile(join(sub, 'data/b.bin'), edit);
    const pull = await fx.box.git(['-c', 'protocol.file.allow=always', 'pull', '-q', '--recurse-submodules'], { cwd: clone, allowFail: true });
    assert.notEqual(pull.code, 0);
    assert.match(pull.stderr, /Please commit your changes or stash them/);
    assert.ok((await readFile(join(sub, 'data/b.bin'))).equals(edit), 'the edit is still there');
    assert.equal(await git(['status', '--porcelain'], sub), ' M data/b.bin\n');

    // Once the edit is put aside, the submodule moves to the new version, lazily.
    await git(['stash', '-q'], sub);
    await git(['submodule', 'update', '-q'], clone);
    assert.ok((await readFile(join(sub, 'data/b.bin'))).equals(await pointerOf('data/b.bin')), 'the new version, as a pointer');
    assert.equal((await fx.box.cli(['cat', 'data/b.bin'], { cwd: sub })).stdout, newer.toString('latin1'));
  });
});
