// The lock file under the hydrated set's read-modify-write: exclusive across async sections and
// processes, taken over from a killed holder, waited for (then reported) while a live one holds it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { systemClock, type Clock } from '../../src/util/retry.js';
import { HydratedSet } from '../../src/hydration/hydrated-set.js';
import { withFileLock } from '../../src/util/file-lock.js';
import { machineTag } from '../../src/util/temp-files.js';
import { deadPid } from '../helpers/processes.js';

describe('withFileLock', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-lock-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('runs one section at a time: no read-modify-write is lost', async () => {
    const counter = join(dir, 'counter');
    await writeFile(counter, '0');
    const lock = join(dir, 'counter.lock');
    await Promise.all(
      Array.from({ length: 25 }, () =>
        withFileLock(lock, async () => {
          const n = Number(await readFile(counter, 'utf8'));
          await sleep(1);
          await writeFile(counter, String(n + 1));
        }),
      ),
    );
    assert.equal(await readFile(counter, 'utf8'), '25');
    assert.deepEqual(await readdir(dir), ['counter'], 'the lock is gone once released');
  });

  it('releases the lock when the section throws', async () => {
    const lock = join(dir, 'throws.lock');
    await assert.rejects(withFileLock(lock, async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await withFileLock(lock, async () => 'again', { timeoutMs: 100 }), 'again');
  });

  it('takes over a lock whose holder was killed', async () => {
    const lock = join(dir, 'dead.lock');
    await writeFile(lock, `lfs-lazy-${machineTag()}-${await deadPid()}-0123abcd\n`);
    const started = Date.now();
    assert.equal(await withFileLock(lock, async () => 'mine', { timeoutMs: 2_000 }), 'mine');
    assert.ok(Date.now() - started < 1_000);
    assert.deepEqual((await readdir(dir)).filter((n) => n.startsWith('dead.lock')), [], 'nothing left behind');
  });

  it('takes over an abandoned lock of another machine only once it is old, and an empty one after a grace', async () => {
    const foreign = join(dir, 'foreign.lock');
    await writeFile(foreign, `lfs-lazy-f0f0f0f0-${process.pid}-0123abcd\n`);
    await assert.rejects(withFileLock(foreign, async () => 'no', { timeoutMs: 200, staleForeignMs: 60_000 }), /foreign\.lock is held by process/);
    await utimes(foreign, (Date.now() - 120_000) / 1000, (Date.now() - 120_000) / 1000);
    assert.equal(await withFileLock(foreign, async () => 'mine', { timeoutMs: 200, staleForeignMs: 60_000 }), 'mine');

    const empty = join(dir, 'empty.lock');
    await writeFile(empty, '');
    await assert.rejects(withFileLock(empty, async () => 'no', { timeoutMs: 200 }), /empty\.lock is held by another process/);
    await utimes(empty, (Date.now() - 10_000) / 1000, (Date.now() - 10_000) / 1000);
    assert.equal(await withFileLock(empty, async () => 'mine', { timeoutMs: 200 }), 'mine');
  });

  it('waits for a live holder, then says who holds it and what to do', async () => {
    const lock = join(dir, 'live.lock');
    let release!: () => void;
    let acquired!: () => void;
    const held = new Promise<void>((resolve) => (acquired = resolve));
    const holding = withFileLock(lock, () => new Promise<void>((resolve) => ((release = resolve), acquired())));
    await held;
    const err = await withFileLock(lock, async () => 'no', { timeoutMs: 300 }).then(
      () => assert.fail('took a held lock'),
      (e: Error) => e,
    );
    assert.match(err.message, new RegExp(`live\\.lock is held by process ${process.pid}; waited 300 ms\\. If no lfs-lazy command is running, delete that file`));
    // The moment the waiter has found the lock held and pauses before its next try.
    let pausing!: () => void;
    const paused = new Promise<void>((resolve) => (pausing = resolve));
    const clock: Clock = { now: systemClock.now, sleep: (ms, signal) => (pausing(), systemClock.sleep(ms, signal)) };
    const waiting = withFileLock(lock, async () => 'after', { timeoutMs: 5_000, clock });
    await paused;
    release();
    await holding;
    assert.equal(await waiting, 'after');
  });
});

describe('HydratedSet.update', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-set-lock-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('keeps every pattern of concurrent updates in one process', async () => {
    const common = join(dir, 'one');
    await Promise.all(Array.from({ length: 30 }, (_, i) => HydratedSet.update(common, (set) => set.add([`data/p${i}`]))));
    assert.deepEqual([...(await HydratedSet.load(common)).entries].sort(), Array.from({ length: 30 }, (_, i) => `data/p${i}`).sort());
  });

  it('keeps every pattern of concurrent updates from several processes', { timeout: 60_000 }, async () => {
    const common = join(dir, 'many');
    const module = JSON.stringify(new URL('../../src/hydration/hydrated-set.js', import.meta.url).href);
    const workers = Array.from({ length: 4 }, (_, w) => {
      const script = `import { HydratedSet } from ${module};
        for (let i = 0; i < 15; i++) await HydratedSet.update(${JSON.stringify(common)}, (set) => set.add(['w${w}/p' + i]));`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
      return once(child, 'exit').then(([code]) => assert.equal(code, 0));
    });
    await Promise.all(workers);
    const entries = (await HydratedSet.load(common)).entries;
    assert.equal(entries.length, 60);
    for (let w = 0; w < 4; w++) for (let i = 0; i < 15; i++) assert.ok(entries.includes(`w${w}/p${i}`), `w${w}/p${i} was lost`);
  });
});
