// preallocate reserves the blocks of a large file without changing its size, skips small files,
// and never fails: what hydrate relies on to keep ext4's rename-over flush out of the run.
import assert from 'node:assert/strict';
import { statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PREALLOCATE_FROM_BYTES, preallocate } from '../../src/util/preallocate.js';

describe('preallocate', { skip: process.platform !== 'linux' && 'fallocate(1) is Linux only' }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-preallocate-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reserves the blocks of a large file and keeps its size', async () => {
    const file = join(dir, 'large');
    writeFileSync(file, '');
    await preallocate(file, PREALLOCATE_FROM_BYTES);
    const st = statSync(file);
    assert.equal(st.size, 0, 'the size changed');
    assert.ok(st.blocks * 512 >= PREALLOCATE_FROM_BYTES, `only ${st.blocks * 512} bytes reserved`);
  });

  it('leaves a small file alone', async () => {
    const file = join(dir, 'small');
    writeFileSync(file, '');
    await preallocate(file, PREALLOCATE_FROM_BYTES - 1);
    assert.equal(statSync(file).blocks, 0);
  });

  it('resolves when it cannot do anything (no such file)', async () => {
    await preallocate(join(dir, 'missing', 'file'), PREALLOCATE_FROM_BYTES);
  });
});
