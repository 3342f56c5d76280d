// src/git/ against a real repository: cat-file.ts streams objects in order (empty ones too), fails
// on a missing one, holds its reading while a consumer waits, and stops git when a stream's reader
// leaves early; index-entries.ts lists the index, a tree and a revision-as-index with the same
// fields, a name that is not UTF-8 under its bytesToPath name, and the modified paths.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LfsLazyError } from '../../src/errors/index.js';
import { objectHeaders, objectStream, readObjects, readSmallObject, readWholeObjects } from '../../src/git/cat-file.js';
import { listIndexEntries, listRevisionAsIndex, listTreeEntries, modifiedPaths } from '../../src/git/index-entries.js';

const ODD_NAME = Buffer.from([0x64, 0x2f, 0x61, 0xff, 0x2e, 0x62, 0x69, 0x6e]); // d/a\xff.bin
const ODD_PATH = 'd/a\udcff.bin';
const MISSING = '0123456789012345678901234567890123456789';

describe('src/git: objects and entries', () => {
  let dir: string;
  const big = randomBytes(3 * 1024 * 1024 + 7);
  const blobs: Record<string, string> = {};
  const git = (args: string[], input?: Buffer): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir },
      ...(input && { input }),
    }).trim();
  const hashObject = (content: Buffer): string => git(['hash-object', '-w', '--stdin'], content);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-git-objects-'));
    git(['init', '-q']);
    blobs['small'] = hashObject(Buffer.from('small\n'));
    blobs['empty'] = hashObject(Buffer.alloc(0));
    blobs['big'] = hashObject(big);
    execFileSync('mkdir', ['-p', join(dir, 'd')]);
    writeFileSync(Buffer.concat([Buffer.from(`${dir}/`), ODD_NAME]), 'odd\n');
    writeFileSync(join(dir, 'd', 'plain.txt'), 'plain\n');
    execFileSync('chmod', ['+x', join(dir, 'd', 'plain.txt')]);
    git(['add', '.']);
    git(['commit', '-q', '-m', 'one']);
    writeFileSync(join(dir, 'staged.txt'), 'staged\n');
    git(['add', 'staged.txt']);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('readObjects streams each object in the order asked, empty ones included', async () => {
    const seen: Array<{ id: string; type: string; size: number; bytes: Buffer }> = [];
    let chunks: Buffer[] = [];
    await readObjects(dir, [blobs['small']!, blobs['empty']!, blobs['big']!, blobs['small']!], {
      start: (header) => {
        chunks = [];
        seen.push({ ...header, bytes: Buffer.alloc(0) });
      },
      data: (chunk) => void chunks.push(Buffer.from(chunk)),
      end: () => (seen[seen.length - 1]!.bytes = Buffer.concat(chunks)),
    });
    assert.deepEqual(
      seen.map((o) => [o.id, o.type, o.size]),
      [
        [blobs['small'], 'blob', 6],
        [blobs['empty'], 'blob', 0],
        [blobs['big'], 'blob', big.length],
        [blobs['small'], 'blob', 6],
      ],
    );
    assert.equal(seen[0]!.bytes.toString(), 'small\n');
    assert.equal(seen[1]!.bytes.length, 0);
    assert.ok(seen[2]!.bytes.equals(big));
  });

  it('readObjects fails on an object git does not have', async () => {
    const noop = { start: () => undefined, data: () => undefined, end: () => undefined };
    await assert.rejects(readObjects(dir, [blobs['small']!, MISSING], noop), (err: Error) => err instanceof LfsLazyError && /missing/.test(err.message));
  });

  it('readObjects reads no further while the consumer waits', async () => {
    let waiting = 0;
    let received = 0;
    await readObjects(dir, [blobs['big']!], {
      start: () => undefined,
      data: async (chunk) => {
        assert.equal(waiting, 0, 'no chunk arrives while the previous one is held');
        waiting++;
        await new Promise((resolve) => setTimeout(resolve, 1));
        received += chunk.length;
        waiting--;
      },
      end: () => undefined,
    });
    assert.equal(received, big.length);
  });

  it('objectHeaders gives type and size, and leaves out what is missing', async () => {
    const headers = await objectHeaders(dir, [blobs['small']!, MISSING, 'HEAD']);
    assert.deepEqual(headers.get(blobs['small']!), { id: blobs['small'], type: 'blob', size: 6 });
    assert.equal(headers.has(MISSING), false);
    assert.equal([...headers.values()].find((h) => h.id !== blobs['small'])?.type, 'commit');
  });

  it('readWholeObjects maps each id to its bytes', async () => {
    const contents = await readWholeObjects(dir, [blobs['small']!, blobs['empty']!, blobs['small']!]);
    assert.equal(contents.size, 2);
    assert.equal(contents.get(blobs['small']!)?.toString(), 'small\n');
    assert.equal(contents.get(blobs['empty']!)?.length, 0);
  });

  // (Were git left running after a large object's header, its pipe would keep this process alive.)
  it('readSmallObject: a small object whole, nothing for a missing one or one at or over the limit', async () => {
    assert.equal((await readSmallObject(dir, blobs['small']!, 1024))?.toString(), 'small\n');
    assert.equal((await readSmallObject(dir, blobs['empty']!, 1024))?.length, 0);
    assert.equal(await readSmallObject(dir, blobs['small']!, 6), undefined);
    assert.equal(await readSmallObject(dir, blobs['big']!, 1024), undefined);
    assert.equal((await readSmallObject(dir, blobs['big']!, big.length + 1))?.equals(big), true);
    assert.equal(await readSmallObject(dir, MISSING, 1024), undefined);
    await assert.rejects(readSmallObject(join(dir, 'not-a-repository-here'), blobs['small']!, 1024));
  });

  // (Were git left running, its open pipe would keep this test process from ever exiting.)
  it('objectStream gives one object byte for byte, and a reader that leaves early stops git', async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of objectStream(dir, blobs['big']!)) chunks.push(chunk as Buffer);
    assert.ok(Buffer.concat(chunks).equals(big));
    const early = objectStream(dir, blobs['big']!);
    for await (const chunk of early) {
      assert.ok((chunk as Buffer).length > 0);
      break;
    }
    assert.equal(early.destroyed, true);
    await assert.rejects(
      (async () => {
        for await (const _ of objectStream(dir, MISSING)) void _;
      })(),
      /missing/,
    );
  });

  it('listIndexEntries lists the index with modes, stages and (on request) tags', async () => {
    const entries = await listIndexEntries(dir, []);
    assert.deepEqual(
      entries.map((e) => [e.path, e.mode, e.stage, e.tag]),
      [
        [ODD_PATH, '100644', 0, undefined],
        ['d/plain.txt', '100755', 0, undefined],
        ['staged.txt', '100644', 0, undefined],
      ],
    );
    git(['update-index', '--skip-worktree', 'd/plain.txt']);
    try {
      const tagged = await listIndexEntries(join(dir, 'd'), ['plain.txt'], { tags: true });
      assert.deepEqual(tagged.map((e) => [e.path, e.tag]), [['d/plain.txt', 'S']]);
    } finally {
      git(['update-index', '--no-skip-worktree', 'd/plain.txt']);
    }
  });

  it('listTreeEntries and listRevisionAsIndex list a revision the same way', async () => {
    const tree = await listTreeEntries(join(dir, 'd'), 'HEAD', []);
    const asIndex = await listRevisionAsIndex(dir, 'HEAD', ['*.bin', 'd/plain.txt']);
    const expected = [
      [ODD_PATH, '100644', 0],
      ['d/plain.txt', '100755', 0],
    ];
    assert.deepEqual(tree.map((e) => [e.path, e.mode, e.stage]), expected);
    assert.deepEqual(asIndex.map((e) => [e.path, e.mode, e.stage]), expected);
    assert.deepEqual(tree.map((e) => e.blob), asIndex.map((e) => e.blob));
  });

  it('modifiedPaths gives the root-relative paths whose working file differs, deleted ones included', async () => {
    writeFileSync(join(dir, 'd', 'plain.txt'), 'changed\n');
    execFileSync('rm', [join(dir, 'staged.txt')]);
    try {
      assert.deepEqual([...(await modifiedPaths(dir, []))].sort(), ['d/plain.txt', 'staged.txt']);
      assert.deepEqual([...(await modifiedPaths(dir, ['d']))], ['d/plain.txt']);
    } finally {
      git(['checkout', '--', 'd/plain.txt', 'staged.txt']);
    }
  });
});
