// src/repository/lfs-files.ts lfsFileAt: one `git cat-file --batch` run that names the index's
// stage-0 entry (`:0:<path>`) must find exactly what listing the index with ls-files finds
// (listLfsFiles, the lookup it replaced), whatever the file is called or what the entry is.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exactPathspec, lfsFileAt, listLfsFiles } from '../../src/repository/lfs-files.js';
import { pathToBytes } from '../../src/util/path-bytes.js';

const pointerText = (n: number): string => `version https://git-lfs.github.com/spec/v1\noid sha256:${String(n).repeat(64).slice(0, 64)}\nsize ${1000 + n}\n`;

// Names whose lookup could go wrong: cat-file's name syntax (`:N:` stages, `:/` searches), a
// header that ends like "missing", spaces, a line feed (not one line of input), bytes that are
// not UTF-8 (kept as lone surrogates, util/path-bytes.ts).
const NAMES = ['plain.bin', '1:x', '2:3:y', ':/z', 'a b 1 2', 'x missing', 'line\nfeed.bin', 'd/a\udcff.bin', 'sub dir/deep/f.bin'];

describe('lfsFileAt: the index lookup of one path', () => {
  let dir: string;
  const git = (args: string[], input?: string): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir },
      ...(input !== undefined && { input }),
    }).trim();
  const write = (path: string, content: string | Buffer): void => {
    const full = Buffer.concat([Buffer.from(`${dir}/`), pathToBytes(path)]);
    if (path.includes('/')) mkdirSync(join(dir, path.slice(0, path.lastIndexOf('/'))), { recursive: true });
    writeFileSync(full, content);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-index-lookup-'));
    git(['init', '-q']);
    NAMES.forEach((name, i) => write(name, pointerText(i + 1)));
    write('x', 'the file `1:x` must not be read as stage 1 of this one\n');
    write('big.bin', Buffer.alloc(5000, 'v'));
    write('notpointer.bin', 'version https://git-lfs.github.com/spec/v1\nsize banana\n');
    write('empty.bin', '');
    git(['add', '-A']);
    git(['commit', '-q', '-m', 'one']);
    // A gitlink (a submodule's commit, not an object of this repository) and an unmerged path.
    git(['update-index', '--add', '--cacheinfo', `160000,${'1'.repeat(40)},module`]);
    const blob = git(['hash-object', '-w', '--stdin'], pointerText(9));
    git(['update-index', '--index-info'], `0 ${'0'.repeat(40)}\tplain.bin\n100644 ${blob} 2\tplain.bin\n100644 ${blob} 3\tplain.bin\n`);
    git(['update-index', '--index-info'], `100644 ${blob} 2\tunmerged.bin\n100644 ${blob} 3\tunmerged.bin\n`);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('finds the same LFS file as listing the index does, for every name and kind of entry', async () => {
    const paths = [...NAMES, 'x', 'big.bin', 'notpointer.bin', 'empty.bin', 'module', 'unmerged.bin', 'nowhere.bin', 'sub dir'];
    for (const path of paths) {
      const listed = (await listLfsFiles(dir, [exactPathspec(path)])).find((f) => f.path === path);
      const found = await lfsFileAt(dir, path);
      if (listed === undefined) {
        assert.equal(found, undefined, path);
        continue;
      }
      assert.ok(found, path);
      assert.deepEqual({ ...found, pointerBytes: found.pointerBytes.toString() }, { path, blob: listed.blob, pointer: listed.pointer, pointerBytes: listed.pointerBytes.toString() }, path);
    }
    // What the listing found, so that the loop above compared answers and not two misses.
    const found = await Promise.all(paths.map((p) => lfsFileAt(dir, p)));
    assert.deepEqual(
      paths.filter((_, i) => found[i] !== undefined),
      NAMES.filter((n) => n !== 'plain.bin'),
    );
  });

  it('names the path from the root, from whichever directory git runs in', async () => {
    const here = await lfsFileAt(join(dir, 'd'), 'sub dir/deep/f.bin');
    assert.equal(here?.pointer.size, 1000 + NAMES.indexOf('sub dir/deep/f.bin') + 1);
    assert.equal(await lfsFileAt(join(dir, 'sub dir'), 'deep/f.bin'), undefined);
  });
});
