// Eviction order and protection on real files (no git): least recently read first, never the
// object just fetched, never one read within the grace period.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evictOverBudget, HANDOUT_GRACE_MS, listCachedObjects } from '../../src/local/read-cache-budget.js';

const NOW = Date.parse('2026-12-06T10:00:00Z');
const oidOf = (n: number): string => n.toString(16).padStart(64, '0');

describe('evictOverBudget', () => {
  let dir: string;
  // Flat (objects/<oid>), or in the shard directories of caches written before (ab/cd/<oid>).
  const put = async (n: number | string, size: number, readMinutesAgo: number, layout: 'flat' | 'sharded' = 'flat'): Promise<string> => {
    const oid = typeof n === 'string' ? n.padEnd(64, '0') : oidOf(n);
    const shard = layout === 'flat' ? dir : join(dir, oid.slice(0, 2), oid.slice(2, 4));
    await mkdir(shard, { recursive: true });
    const path = join(shard, oid);
    await writeFile(path, Buffer.alloc(size));
    const when = (NOW - readMinutesAgo * 60_000) / 1000;
    await utimes(path, when, when);
    return path;
  };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'read-cache-budget-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('removes the least recently read first, only as many as the budget needs', async () => {
    const oldest = await put(1, 100, 30);
    const middle = await put(2, 100, 20);
    const newest = await put(3, 100, 10);
    const result = await evictOverBudget(dir, { budget: 200, nowMs: NOW });
    assert.deepEqual(result.evicted.map((o) => o.path), [oldest]);
    assert.equal(result.bytes, 200);
    assert.ok(existsSync(middle) && existsSync(newest));
  });

  it('never removes the object just fetched nor one read within the grace period', async () => {
    await rm(dir, { recursive: true, force: true });
    const justFetched = await put(4, 500, 60);
    const handedOut = await put(5, 100, (HANDOUT_GRACE_MS - 1000) / 60_000);
    const old = await put(6, 100, 5);
    const result = await evictOverBudget(dir, { budget: 0, keep: oidOf(4), nowMs: NOW });
    assert.deepEqual(result.evicted.map((o) => o.path), [old]);
    assert.equal(result.bytes, 600, 'stays over budget rather than remove a protected object');
    assert.ok(existsSync(justFetched) && existsSync(handedOut));
    assert.equal((await listCachedObjects(dir)).length, 2);
  });

  it("objects of the old sharded layout are listed and evicted first once oldest, their empty shards with them; other names are not objects", async () => {
    await rm(dir, { recursive: true, force: true });
    const legacy = await put('abcd', 100, 90, 'sharded');
    const legacyKept = await put('ab01', 100, 2, 'sharded');
    const flat = await put(8, 100, 30);
    await writeFile(join(dir, 'notes.txt'), 'not an object');
    await mkdir(join(dir, 'zz'), { recursive: true });
    assert.deepEqual((await listCachedObjects(dir)).map((o) => o.oid).sort(), ['ab01'.padEnd(64, '0'), 'abcd'.padEnd(64, '0'), oidOf(8)].sort());
    const result = await evictOverBudget(dir, { budget: 200, nowMs: NOW });
    assert.deepEqual(result.evicted.map((o) => o.path), [legacy]);
    assert.ok(existsSync(flat) && existsSync(legacyKept));
    // ab/cd held only the evicted object; ab/ stays, for ab/01 still holds one.
    assert.equal(existsSync(join(dir, 'ab', 'cd')), false, 'the emptied shard directory was left');
    assert.equal(existsSync(join(dir, 'ab')), true);
    await evictOverBudget(dir, { budget: 0, nowMs: NOW + 3_600_000 });
    assert.equal((await listCachedObjects(dir)).length, 0);
    assert.equal(existsSync(join(dir, 'ab')), false);
    assert.ok(existsSync(join(dir, 'notes.txt')) && existsSync(join(dir, 'zz')), 'what is not an object or a shard of one stays');
  });

  it('an empty or missing cache has nothing to evict', async () => {
    const result = await evictOverBudget(join(dir, 'nothing-here'), { budget: 0 });
    assert.deepEqual(result, { evicted: [], bytes: 0, objects: 0 });
  });
});
