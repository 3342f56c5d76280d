// The one retry policy (src/util/retry.ts), on a fake clock: no test here sleeps for real.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AccessDeniedError, IntegrityError, ObjectNotFoundError, StorageError } from '../../src/errors/index.js';
import {
  backoffDelay,
  isRetryable,
  retry,
  RetryBudget,
  systemClock,
  waitWithBackoff,
  type Clock,
  type RetryPolicy,
} from '../../src/util/retry.js';

// Time moves only when someone sleeps; every pause is recorded.
class FakeClock implements Clock {
  time = 0;
  readonly pauses: number[] = [];
  now(): number {
    return this.time;
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    this.pauses.push(ms);
    this.time += ms;
  }
}

const policy: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 250 };
const transient = (): StorageError => new StorageError('HTTP 503 SlowDown');

// A task that fails with the given errors, one per call, then returns 'done'.
function failing(...errors: unknown[]): { task: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    task: async () => {
      const err = errors[calls++];
      if (err !== undefined) throw err;
      return 'done';
    },
    calls: () => calls,
  };
}

describe('backoffDelay (full jitter)', () => {
  it('draws the n-th pause from [0, min(max, base × 2^(n-1))]', () => {
    const ceilings = [100, 200, 250, 250, 250];
    ceilings.forEach((ceiling, i) => {
      assert.equal(backoffDelay(i + 1, policy, () => 0), 0);
      assert.equal(backoffDelay(i + 1, policy, () => 0.999_999), ceiling);
      assert.equal(backoffDelay(i + 1, policy, () => 0.5), ceiling / 2);
    });
  });

  it('stays within the bounds with the real random source, and never overflows', () => {
    for (let pause = 1; pause <= 2_000; pause += 7) {
      const delay = backoffDelay(pause, policy);
      assert.ok(Number.isInteger(delay) && delay >= 0 && delay <= 250, `pause ${pause}: ${delay}`);
    }
  });
});

describe('isRetryable: what is never retried', () => {
  for (const [label, err] of [
    ['404', new ObjectNotFoundError('ab'.repeat(32), 'memory://x')],
    ['403', new AccessDeniedError('refused')],
    ['an integrity failure', new IntegrityError('hash mismatch')],
    ['a permanent storage failure (TLS, bad range)', new StorageError('certificate', { retryable: false })],
    ['a cancellation', Object.assign(new Error('aborted'), { name: 'AbortError' })],
  ] as const) {
    it(`never ${label}`, () => assert.equal(isRetryable(err), false));
  }

  it('retries transient storage failures and bare socket errors', () => {
    assert.equal(isRetryable(transient()), true);
    assert.equal(isRetryable(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), true);
  });
});

describe('retry / RetryBudget', () => {
  it('retries transient failures with backoff pauses, then succeeds', async () => {
    const clock = new FakeClock();
    const { task, calls } = failing(transient(), transient());
    const retries: Array<[number, number]> = [];
    const result = await retry(task, { policy, clock, random: () => 1, onRetry: (_err, attempts, delayMs) => retries.push([attempts, delayMs]) });
    assert.equal(result, 'done');
    assert.equal(calls(), 3);
    assert.deepEqual(clock.pauses, [100, 200]);
    assert.deepEqual(retries, [[1, 100], [2, 200]]);
  });

  it('makes exactly policy.attempts attempts, then throws the last failure', async () => {
    const clock = new FakeClock();
    const last = transient();
    const { task, calls } = failing(transient(), transient(), transient(), last, transient());
    await assert.rejects(retry(task, { policy, clock }), (err) => err === last);
    assert.equal(calls(), policy.attempts);
    assert.equal(clock.pauses.length, policy.attempts - 1, 'no pause after the last attempt');
  });

  it('one attempt means no retry at all', async () => {
    const clock = new FakeClock();
    const { task, calls } = failing(transient());
    await assert.rejects(retry(task, { policy: { ...policy, attempts: 1 }, clock }), StorageError);
    assert.equal(calls(), 1);
    assert.deepEqual(clock.pauses, []);
  });

  for (const [label, err] of [
    ['404', new ObjectNotFoundError('ab'.repeat(32), 'memory://x')],
    ['403', new AccessDeniedError('refused')],
    ['a non-retryable storage failure', new StorageError('bad range', { retryable: false })],
  ] as const) {
    it(`never retries ${label}: one attempt, no pause`, async () => {
      const clock = new FakeClock();
      const { task, calls } = failing(err);
      await assert.rejects(retry(task, { policy, clock }), (thrown) => thrown === err);
      assert.equal(calls(), 1);
      assert.deepEqual(clock.pauses, []);
    });
  }

  it('judges and throws the classified error, which knows the attempts made', async () => {
    const clock = new FakeClock();
    const { task } = failing(new Error('socket hang up'), new Error('socket hang up'), new Error('certificate has expired'));
    const classify = (err: unknown, attempts: number): Error =>
      new StorageError(`get failed after ${attempts} attempts: ${(err as Error).message}`, { retryable: !/certificate/.test((err as Error).message) });
    await assert.rejects(retry(task, { policy, clock, classify }), /get failed after 3 attempts: certificate has expired$/);
  });

  it('charges what a lower layer already spent (cost), so the total stays within the budget', async () => {
    const clock = new FakeClock();
    // The first failure reports 3 attempts of its own (the AWS SDK retried it): one more is left.
    const sdkFailure = Object.assign(transient(), { $metadata: { attempts: 3 } });
    const { task, calls } = failing(sdkFailure, transient(), transient());
    const cost = (err: unknown): number => (err as { $metadata?: { attempts: number } }).$metadata?.attempts ?? 1;
    await assert.rejects(retry(task, { policy, clock, cost }), StorageError);
    assert.equal(calls(), 2);
    assert.deepEqual(clock.pauses.length, 1);
  });

  it('shares one budget between the requests of one operation', async () => {
    const clock = new FakeClock();
    const budget = new RetryBudget({ policy, clock });
    await budget.run(failing(transient(), transient()).task);
    assert.equal(budget.attempts, 2);
    // A body that broke off counts too, and the resumed request gets only what is left.
    await budget.failed(transient());
    const { task, calls } = failing(transient(), transient());
    await assert.rejects(budget.run(task));
    assert.equal(calls(), 1);
    assert.equal(budget.attempts, 4);
  });

  it('stops at once when the signal is aborted: no pause, no further attempt', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    controller.abort();
    const { task, calls } = failing(transient(), transient());
    await assert.rejects(retry(task, { policy, clock, signal: controller.signal }), StorageError);
    assert.equal(calls(), 1);
    assert.deepEqual(clock.pauses, []);
  });

  it('an abort during the pause ends the wait with an AbortError', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const { task, calls } = failing(transient(), transient());
    await assert.rejects(retry(task, { policy, clock, signal: controller.signal, onRetry: () => controller.abort() }), { name: 'AbortError' });
    assert.equal(calls(), 1);
  });

  it('the system clock gives up a pause as soon as its signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const pause = systemClock.sleep(60_000, controller.signal);
    controller.abort();
    await assert.rejects(pause, { name: 'AbortError' });
    assert.ok(Date.now() - started < 1_000);
  });
});

describe('waitWithBackoff', () => {
  const backoff = { baseDelayMs: 10, maxDelayMs: 400 };

  it('polls until the probe gives a value, pausing with the same backoff', async () => {
    const clock = new FakeClock();
    let polls = 0;
    const value = await waitWithBackoff(async () => (++polls === 4 ? 'lock' : undefined), { timeoutMs: 10_000, backoff, clock, random: () => 1 });
    assert.equal(value, 'lock');
    assert.deepEqual(clock.pauses, [10, 20, 40]);
  });

  it('gives undefined once the time-out has passed, after one last poll', async () => {
    const clock = new FakeClock();
    let polls = 0;
    const value = await waitWithBackoff(async () => void polls++, { timeoutMs: 1_000, backoff, clock, random: () => 1 });
    assert.equal(value, undefined);
    assert.ok(clock.time >= 1_000);
    assert.ok(clock.pauses.every((p) => p <= 400));
    assert.equal(polls, clock.pauses.length + 1);
  });

  it('passes on what the probe throws', async () => {
    const clock = new FakeClock();
    await assert.rejects(
      waitWithBackoff(async () => Promise.reject(new Error('EACCES')), { timeoutMs: 1_000, backoff, clock }),
      /EACCES/,
    );
    assert.deepEqual(clock.pauses, []);
  });
});
