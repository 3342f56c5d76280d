// The clean filter's shortcut for large files whose object the index already names (every index
// refresh after a hydrate): it must still produce exactly the right pointer when the content is
// what the index says, and when it is not (same size, one byte changed).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';
import { fileContent, sha256 } from '../helpers/lfs-fixture.js';
import { parsePointer } from '../../src/protocol/pointer.js';

describe('clean of a large file the index already names', { timeout: 120_000 }, () => {
  let box: Sandbox;
  let repo: string;
  const content = fileContent(7, 10 * 1024 * 1024);

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

  it('unchanged content: re-cleaning gives the same pointer and a clean status', async () => {
    await box.run('touch', ['-d', '2030-01-01', join(repo, 'big.bin')]);
    assert.equal((await box.git(['status', '--porcelain'], { cwd: repo })).stdout, '');
    const blob = (await box.git(['cat-file', '-p', ':big.bin'], { cwd: repo })).stdout;
    assert.equal(parsePointer(Buffer.from(blob))?.oid, sha256(content));
  });

  it('same size, one byte changed: the new content is stored and gets its own pointer', async () => {
    const changed = Buffer.from(content);
    changed[123_456] = changed[123_456]! ^ 0xff;
    await writeFile(join(repo, 'big.bin'), changed);
    await box.git(['add', 'big.bin'], { cwd: repo });
    const pointer = parsePointer(Buffer.from((await box.git(['cat-file', '-p', ':big.bin'], { cwd: repo })).stdout));
    assert.equal(pointer?.oid, sha256(changed));
    assert.equal(pointer?.size, changed.length);
    const oid = sha256(changed);
    const stored = await readFile(join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid));
    assert.ok(stored.equals(changed), 'the changed content is in the local store');
  });
});
