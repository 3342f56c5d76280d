// The record of what `dehydrate` turned into pointers (src/hydration/dehydrated-objects.ts): every
// smudge and status reads it whole, so it must not grow with each run of `dehydrate`.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dehydratedObjectsFile, loadDehydratedObjects, recordDehydratedObjects } from '../../src/hydration/dehydrated-objects.js';

const oid = (n: number): string => n.toString(16).padStart(64, '0');

describe('the record of dehydrated objects', () => {
  let commonDir: string;
  before(async () => {
    commonDir = await mkdtemp(join(tmpdir(), 'lfs-lazy-dehydrated-'));
  });
  after(() => rm(commonDir, { recursive: true, force: true }));

  it('holds each object and path once, however often the same files are recorded', async () => {
    const files = [
      { oid: oid(1), path: 'data/a.bin' },
      { oid: oid(2), path: 'data/b c.bin' },
      { oid: oid(1), path: 'other/a.bin' },
    ];
    for (let run = 0; run < 3; run++) await recordDehydratedObjects(commonDir, files);
    await recordDehydratedObjects(commonDir, [...files, { oid: oid(3), path: 'data/new.bin' }]);
    const lines = (await readFile(dehydratedObjectsFile(commonDir), 'utf8')).split('\n').filter(Boolean);
    assert.deepEqual(lines, [
      `${oid(1)} "data/a.bin"`,
      `${oid(2)} "data/b c.bin"`,
      `${oid(1)} "other/a.bin"`,
      `${oid(3)} "data/new.bin"`,
    ]);
    const recorded = await loadDehydratedObjects(commonDir);
    for (const f of [...files, { oid: oid(3), path: 'data/new.bin' }]) assert.ok(recorded.has(f.oid, f.path), f.path);
    assert.ok(!recorded.has(oid(2), 'data/a.bin'), 'an object counts only at the path it was dehydrated at');
  });

  it("an earlier version's line with an oid alone covers every path: nothing is added for it", async () => {
    const dir = join(commonDir, 'legacy');
    await mkdir(join(dir, 'lfs-lazy'), { recursive: true });
    await writeFile(dehydratedObjectsFile(dir), `${oid(7)}\n`);
    await recordDehydratedObjects(dir, [{ oid: oid(7), path: 'x.bin' }]);
    assert.equal(await readFile(dehydratedObjectsFile(dir), 'utf8'), `${oid(7)}\n`);
  });
});
