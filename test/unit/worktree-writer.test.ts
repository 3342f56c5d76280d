// The atomic replace under hydrate and dehydrate: temp files outside the working tree, edits and
// symlinked directories respected.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasExactBytes, leadingDirectoriesAreReal, snapshot } from '../../src/hydration/worktree-file.js';
import { WorktreeWriter } from '../../src/hydration/worktree-writer.js';

describe('WorktreeWriter', () => {
  let base: string;
  let root: string;
  let tmpDir: string;
  let writer: WorktreeWriter;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'lfs-lazy-writer-'));
    root = join(base, 'worktree');
    tmpDir = join(base, 'git', 'lfs', 'tmp');
    await mkdir(join(root, 'sub'), { recursive: true });
    writer = new WorktreeWriter({ root, tmpDir, excludeFile: join(base, 'git', 'info', 'exclude') });
  });
  after(() => rm(base, { recursive: true, force: true }));

  it('replaces the file with the given mode; its temp file was never in the working tree', async () => {
    const target = join(root, 'sub', 'a.bin');
    await writeFile(target, 'pointer');
    const source = join(base, 'object');
    await writeFile(source, 'the content');
    const temp = await writer.tempFor('sub/a.bin');
    assert.equal(join(temp.toString(), '..'), tmpDir, 'the temp file goes to the lfs tmp directory');
    const first = await writer.replace('sub/a.bin', { copyOf: source }, 0o755, async () => true);
    assert.equal(first.replaced, true);
    // The stat data it reports is the new file's, for git's index.
    const now = lstatSync(target, { bigint: true });
    assert.equal(first.stat?.ino, now.ino);
    assert.equal(first.stat?.mtimeNs, now.mtimeNs);
    assert.equal(first.stat?.ctimeNs, now.ctimeNs);
    assert.equal(first.stat?.size, 11n);
    assert.equal(await readFile(target, 'utf8'), 'the content');
    assert.equal((await snapshot(target))?.mode, 0o755);
    assert.equal((await writer.replace('sub/a.bin', { bytes: Buffer.from('pointer') }, 0o644, () => true)).replaced, true);
    assert.equal(await readFile(target, 'utf8'), 'pointer');
    assert.equal((await snapshot(target))?.mode, 0o644);
    assert.deepEqual(await readdir(join(root, 'sub')), ['a.bin']);
    assert.deepEqual(await readdir(tmpDir), [], 'no temp file left');
  });

  it('keeps an edit made before the rename', async () => {
    const target = join(root, 'b.bin');
    await writeFile(target, 'pointer');
    const replaced = await writer.replace('b.bin', { bytes: Buffer.from('content') }, 0o644, async () => {
      await writeFile(target, 'edited by the user');
      return hasExactBytes(target, Buffer.from('pointer'));
    });
    assert.deepEqual(replaced, { replaced: false });
    assert.equal(await readFile(target, 'utf8'), 'edited by the user');
    assert.deepEqual(await readdir(tmpDir), []);
  });

  it('never writes through a directory replaced by a symlink, even one swapped in right before the rename', async () => {
    const outside = join(base, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'c.bin'), 'pointer outside');
    await mkdir(join(root, 'swapped'));
    await writeFile(join(root, 'swapped', 'c.bin'), 'pointer');
    assert.equal(leadingDirectoriesAreReal(root, 'swapped/c.bin'), true);
    const replaced = await writer.replace('swapped/c.bin', { bytes: Buffer.from('content') }, 0o644, async () => {
      // After the temp file is written: the directory becomes a symlink to elsewhere.
      await rename(join(root, 'swapped'), join(base, 'moved'));
      await symlink(outside, join(root, 'swapped'));
      return true;
    });
    assert.deepEqual(replaced, { replaced: false, gone: true });
    assert.equal(leadingDirectoriesAreReal(root, 'swapped/c.bin'), false);
    assert.equal(await readFile(join(outside, 'c.bin'), 'utf8'), 'pointer outside');
    assert.deepEqual(await readdir(tmpDir), []);
  });

  it('hasExactBytes compares whole files, not prefixes', async () => {
    const target = join(root, 'c.bin');
    await writeFile(target, 'pointer and more');
    assert.equal(await hasExactBytes(target, Buffer.from('pointer')), false);
    assert.equal(await hasExactBytes(join(root, 'nope'), Buffer.from('')), false);
    await writeFile(target, '');
    assert.equal(await hasExactBytes(target, Buffer.alloc(0)), true);
  });
});
