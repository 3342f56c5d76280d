// A lazy clone with a second working tree (`git worktree add`): each worktree has its own index,
// HEAD and files, and shares the object stores and the hydrated set with the others. hydrate,
// dehydrate, status and the filter must write each worktree's own index and files — never the
// other's — and git's own view (`git status` in each) stays clean; pushing from the linked
// worktree uploads what it committed.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';
import { encodePointer } from '../../src/protocol/pointer.js';

const FILES = [
  { path: 'data/a.bin', content: fileContent(1, 4_000) },
  { path: 'data/b.bin', content: fileContent(2, 5_000) },
  { path: 'data/c.bin', content: fileContent(3, 6_000) },
];
const SIDE_B = fileContent(4, 7_000);
const pointerOf = (data: Buffer) => encodePointer({ oid: sha256(data), size: data.length, extensions: [] });

describe('linked worktrees of a lazy clone (git worktree add)', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let main: string;
  let linked: string;
  const content = new Map(FILES.map((f) => [f.path, f.content]));

  before(async () => {
    fx = await makeLfsFixture({ files: FILES });
    await fx.box.git(['checkout', '-q', '-b', 'side'], { cwd: fx.origin });
    await writeFile(join(fx.origin, 'data/b.bin'), SIDE_B);
    await fx.box.git(['commit', '-q', '-am', 'side'], { cwd: fx.origin });
    await fx.box.git(['push', '-q', 'origin', 'side'], { cwd: fx.origin });
    main = await fx.clone('main');
    linked = join(fx.box.root, 'linked');
  });
  after(() => fx?.cleanup());

  const git = async (args: string[], cwd: string): Promise<string> => (await fx.box.git(args, { cwd })).stdout;
  const read = (dir: string, path: string) => readFile(join(dir, path));
  // The stat data of both indexes made true and not racy, so that git trusts it and a wrong
  // record shows as a change instead of being hashed away.
  const settle = async (dir: string) => {
    const past = new Date(Date.now() - 3_600_000);
    for (const f of FILES) await utimes(join(dir, f.path), past, past).catch(() => undefined);
    await git(['update-index', '-q', '--refresh'], dir);
  };

  it('a worktree added after a hydrate gets the content the clone has, pointers for the rest; both clean', async () => {
    await fx.box.cli(['hydrate', 'data/a.bin'], { cwd: main });
    await git(['worktree', 'add', '-q', '-b', 'work', linked, 'origin/side'], main);
    assert.ok((await read(linked, 'data/a.bin')).equals(content.get('data/a.bin')!), 'the hydrated set is the clone\'s');
    assert.ok((await read(linked, 'data/b.bin')).equals(pointerOf(SIDE_B)));
    assert.equal(await git(['status', '--porcelain'], linked), '');
    assert.equal(await git(['status', '--porcelain'], main), '');
  });

  it("hydrate and dehydrate in the linked worktree write its files and its index, not the main worktree's", async () => {
    await settle(main);
    const mainIndex = await readFile(join(main, '.git', 'index'));
    const run = await fx.box.cli(['hydrate', 'data'], { cwd: linked });
    assert.equal(run.code, 0, run.stderr);
    assert.ok((await read(linked, 'data/b.bin')).equals(SIDE_B));
    assert.ok((await read(linked, 'data/c.bin')).equals(content.get('data/c.bin')!));
    assert.ok((await readFile(join(main, '.git', 'index'))).equals(mainIndex), "the main worktree's index was written");
    assert.ok((await read(main, 'data/c.bin')).equals(pointerOf(content.get('data/c.bin')!)), "the main worktree's file was written");
    await settle(linked);
    assert.equal(await git(['status', '--porcelain'], linked), '');
    assert.equal(await git(['diff-files', '--name-only'], linked), '', 'the linked index holds the stat data of the files written');
    const status = await fx.box.cli(['status', '--json'], { cwd: linked });
    assert.deepEqual((JSON.parse(status.stdout) as { files: Array<{ state: string }> }).files.map((f) => f.state), ['hydrated', 'hydrated', 'hydrated']);

    await fx.box.cli(['dehydrate', 'data/c.bin'], { cwd: linked });
    assert.ok((await read(linked, 'data/c.bin')).equals(pointerOf(content.get('data/c.bin')!)));
    await settle(linked);
    assert.equal(await git(['status', '--porcelain'], linked), '');
    assert.equal(await git(['status', '--porcelain'], main), '');
  });

  it('an edit committed and pushed from the linked worktree reaches the bucket; the main worktree sees the branch', async () => {
    const edited = fileContent(5, 3_333);
    await writeFile(join(linked, 'data/b.bin'), edited);
    await git(['commit', '-q', '-am', 'edit in the linked worktree'], linked);
    await git(['push', '-q', 'origin', 'work'], linked);
    assert.ok((await fx.bucket.get(sha256(edited)))?.equals(edited), 'the push did not upload the edit');
    await git(['checkout', '-q', 'work~0'], main);
    assert.equal(await git(['status', '--porcelain'], main), '');
    await fx.box.cli(['hydrate', 'data/b.bin'], { cwd: main });
    assert.ok((await read(main, 'data/b.bin')).equals(edited));
  });
});
