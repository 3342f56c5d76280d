// `git archive` (and `git cat-file --filters`) in a lazy clone: git runs the smudge filter for each
// file as it would for a checkout, and a lazy clone answers with what its checkout holds — the
// pointer of a file it has not hydrated, the content of one it has. git-lfs's eager filter fetches
// every file, so the same command there exports content: a release tarball made from a lazy clone
// would silently hold pointers. The documented way (docs/lazy-policy.md, "Exports"): name what to
// export as hydrated for that one command, LFS_LAZY_HYDRATE. Neither way changes the working tree.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';

const FILES = [
  { path: 'data/a.bin', content: fileContent(1, 3_000) },
  { path: 'data/b.bin', content: fileContent(2, 4_000) },
  { path: 'README.txt', content: Buffer.from('a plain file\n') },
];

describe('exports from a lazy clone: git archive', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let clone: string;
  const git = async (args: string[], env?: NodeJS.ProcessEnv) => (await fx.box.git(args, { cwd: clone, ...(env && { env }) })).stdout;
  const pointerOf = async (path: string) => Buffer.from(await git(['cat-file', 'blob', `HEAD:${path}`]), 'latin1');

  // The archive of HEAD, unpacked into a directory of its own.
  async function archive(name: string, env?: NodeJS.ProcessEnv): Promise<(path: string) => Promise<Buffer>> {
    const tarball = join(fx.box.root, `${name}.tar`);
    const dir = join(fx.box.root, name);
    await git(['archive', '-o', tarball, 'HEAD'], env);
    await mkdir(dir);
    await fx.box.run('tar', ['-xf', tarball, '-C', dir]);
    return (path) => readFile(join(dir, path));
  }

  before(async () => {
    fx = await makeLfsFixture({ files: FILES });
    clone = await fx.clone('clone');
    await fx.box.cli(['hydrate', 'data/a.bin'], { cwd: clone });
  });
  after(() => fx?.cleanup());

  it('exports what the checkout holds: content where hydrated, the pointer elsewhere', async () => {
    const read = await archive('plain');
    assert.ok((await read('data/a.bin')).equals(FILES[0]!.content));
    assert.ok((await read('data/b.bin')).equals(await pointerOf('data/b.bin')), 'the pointer, as the lazy checkout has it');
    assert.ok((await read('README.txt')).equals(FILES[2]!.content));
  });

  it('with LFS_LAZY_HYDRATE naming them, every file is exported with its content; the working tree is left as it was', async () => {
    const read = await archive('whole', { LFS_LAZY_HYDRATE: '*' });
    for (const file of FILES) assert.ok((await read(file.path)).equals(file.content), `${file.path} exported with its content`);
    // `git cat-file --filters` goes through the same filter.
    assert.equal(await git(['cat-file', '--filters', 'HEAD:data/b.bin'], { LFS_LAZY_HYDRATE: 'data/*' }), FILES[1]!.content.toString());
    assert.ok((await readFile(join(clone, 'data/b.bin'))).equals(await pointerOf('data/b.bin')), 'still a pointer in the working tree');
    assert.equal(await git(['status', '--porcelain']), '');
    const status = JSON.parse((await fx.box.cli(['status', '--json'], { cwd: clone })).stdout) as { files: Array<{ path: string; state: string }> };
    assert.deepEqual(status.files.map((f) => `${f.path} ${f.state}`), ['data/a.bin hydrated', 'data/b.bin pointer']);
  });

  it('git-lfs\'s own filter exports content, fetching as it goes (what the first case differs from)', async () => {
    const eager = ['-c', 'filter.lfs.process=git-lfs filter-process', '-c', 'filter.lfs.smudge=git-lfs smudge -- %f'];
    const other = await fx.clone('eager-reference');
    const tarball = join(fx.box.root, 'eager.tar');
    await fx.box.git([...eager, 'archive', '-o', tarball, 'HEAD'], { cwd: other });
    const dir = join(fx.box.root, 'eager');
    await mkdir(dir);
    await fx.box.run('tar', ['-xf', tarball, '-C', dir]);
    assert.ok((await readFile(join(dir, 'data/b.bin'))).equals(FILES[1]!.content));
  });
});
