// The clean filter's shortcut for large files whose object the index already names (every index
// refresh after a hydrate): it must still produce exactly the right pointer when the content is
// what the index says, and when it is not (same size, one byte changed) — and the pointer and the
// stored object always describe the bytes git sent, which need not be that path's working-tree
// file (`git hash-object --path=<p> <other file>`, issue 10 item 3).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';
import { fileContent, sha256 } from '../helpers/lfs-fixture.js';
import { parsePointer } from '../../src/protocol/pointer.js';

describe('clean of a large file the index already names', { timeout: 120_000 }, () => {
  let box: Sandbox;
  let repo: string;
  const MiB = 1024 * 1024;
  const content = fileContent(7, 10 * MiB);

  before(async () => {
    box = await makeSandbox();
    repo = join(box.root, 'repo');
    await box.git(['init', '-q', repo]);
    await box.cli(['install', '--local'], { cwd: repo });
    await box.cli(['install', '--url', `file://${join(box.root, 'store')}`], { cwd: repo });
    await box.git(['lfs', 'track', '*.bin'], { cwd: repo });
    await writeFile(join(repo, 'big.bin'), content);
    await box.git(['add', '.'], { cwd: repo });
    await box.git(['commit', '-q', '-m', 'big'], { cwd: repo });
  });
  after(() => box.cleanup());

  const storedObject = (oid: string): Promise<Buffer> => readFile(join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid));

  // What `git add` would store for `bytes` at big.bin (whose committed object is local and whose
  // working-tree file is `content`): the pointer must name exactly these bytes, and the local
  // store must hold exactly them under that oid.
  async function assertCleanedAs(bytes: Buffer, name: string): Promise<void> {
    const file = join(box.root, name); // outside the working tree: git status stays clean
    await writeFile(file, bytes);
    const blob = (await box.git(['hash-object', '-w', '--path=big.bin', file], { cwd: repo })).stdout.trim();
    const pointer = parsePointer(Buffer.from((await box.git(['cat-file', '-p', blob], { cwd: repo })).stdout));
    assert.equal(pointer?.oid, sha256(bytes), 'the pointer names the bytes git sent');
    assert.equal(pointer?.size, bytes.length);
    assert.ok((await storedObject(sha256(bytes))).equals(bytes), 'the local object holds exactly those bytes');
  }

  // Runs `action` while the local store cannot make a temp file (a plain file sits where its tmp
  // directory goes): proof that the content was not copied, only compared.
  async function withoutTempFiles(action: () => Promise<void>): Promise<void> {
    const tmp = join(repo, '.git', 'lfs', 'tmp');
    await rm(tmp, { recursive: true, force: true });
    await writeFile(tmp, 'not a directory');
    try {
      await action();
    } finally {
      await rm(tmp, { force: true });
    }
  }

  describe('git hash-object --path=big.bin <another file>', () => {
    it('entirely different content', () => assertCleanedAs(fileContent(8, 9 * MiB), 'other.dat'));

    it('same size, diverging after 6 MiB (the matched prefix is taken from the stored object)', () => {
      const diverging = Buffer.from(content);
      diverging[6 * MiB + 3] = diverging[6 * MiB + 3]! ^ 0xff;
      return assertCleanedAs(diverging, 'diverging.dat');
    });

    it('a few bytes', () => assertCleanedAs(Buffer.from('not big at all\n'), 'small.dat'));

    it('a strict prefix of big.bin', () => assertCleanedAs(content.subarray(0, 9 * MiB + 17), 'prefix.dat'));

    it('big.bin followed by more bytes', () => assertCleanedAs(Buffer.concat([content, Buffer.from('more')]), 'longer.dat'));

    it('the same bytes as big.bin: the committed pointer, without a copy', () => withoutTempFiles(() => assertCleanedAs(content, 'copy.dat')));
  });

  it('unchanged content: re-cleaning gives the same pointer and a clean status, without a copy', async () => {
    await box.run('touch', ['-d', '2030-01-01', join(repo, 'big.bin')]);
    await withoutTempFiles(async () => {
      assert.equal((await box.git(['status', '--porcelain'], { cwd: repo })).stdout, '');
    });
    const blob = (await box.git(['cat-file', '-p', ':big.bin'], { cwd: repo })).stdout;
    assert.equal(parsePointer(Buffer.from(blob))?.oid, sha256(content));
  });

  for (const [what, offset] of [
    ['one byte changed early', 123_456],
    ['the last byte changed', content.length - 1],
  ] as const) {
    it(`git add, same size, ${what}: the new content is stored and gets its own pointer`, async () => {
      const changed = Buffer.from(content);
      changed[offset] = changed[offset]! ^ 0xff;
      await writeFile(join(repo, 'big.bin'), changed);
      await box.git(['add', 'big.bin'], { cwd: repo });
      const pointer = parsePointer(Buffer.from((await box.git(['cat-file', '-p', ':big.bin'], { cwd: repo })).stdout));
      assert.equal(pointer?.oid, sha256(changed));
      assert.equal(pointer?.size, changed.length);
      assert.ok((await storedObject(sha256(changed))).equals(changed), 'the changed content is in the local store');
      await box.git(['reset', '-q', '--hard'], { cwd: repo });
    });
  }
});
