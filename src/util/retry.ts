// The one retry policy of lfs-lazy: one backoff formula (full jitter), one attempt budget per
// operation, one rule for what is never retried. Whoever owns an operation's retries (the object
// stores, for every request they make) uses RetryBudget; the lock waits use waitWithBackoff. The
// clock and the random source are injectable, so tests run without real sleeps.
import { setTimeout as sleep } from 'node:timers/promises';
import { LfsLazyError } from '../errors/index.js';

// The pauses between tries: the n-th pause is drawn from [0, min(maxDelayMs, baseDelayMs × 2^(n-1))].
export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface RetryPolicy extends Backoff {
  // Total attempts, including the first.
  attempts: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

export interface Clock {
  now(): number;
  // Rejects with an AbortError when `signal` aborts.
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, signal ? { signal } : undefined),
};

// Full-jitter exponential backoff: spreads the retries of many workers hitting the same throttled
// endpoint instead of synchronising them. `pause` counts from 1 (the pause after the first failure).
export function backoffDelay(pause: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, pause - 1));
  return Math.round(random() * ceiling);
}

// Transient means: worth trying again unchanged. LfsLazyError says so itself (404, 403, integrity
// and local failures never are); a cancellation never is; anything else (a bare socket error from
// a response body) is taken as transient, since stores map every permanent failure to a typed error.
export function isRetryable(err: unknown): boolean {
  if (err instanceof LfsLazyError) return err.retryable;
  if (err instanceof Error && err.name === 'AbortError') return false;
  return true;
}

export interface RetryOptions {
  policy?: RetryPolicy;
  signal?: AbortSignal;
  clock?: Clock;
  random?: () => number;
  // What a failure becomes (a store's own error, naming the object), judged by isRetryable and
  // thrown when it is final. `attempts` is the budget used so far, this failure included.
  classify?: (err: unknown, attempts: number) => unknown;
  // Attempts one failure used up: more than 1 when the layer below retried it itself (the AWS SDK
  // reports its own attempts), so that those count against the same budget.
  cost?: (err: unknown) => number;
  onRetry?: (err: unknown, attempts: number, delayMs: number) => void;
}

// One operation's attempts, shared by every request it makes (a download's resumed requests draw
// from the same budget as its first one).
export class RetryBudget {
  private used = 0;
  private readonly policy: RetryPolicy;

  constructor(private readonly options: RetryOptions = {}) {
    this.policy = options.policy ?? defaultRetryPolicy;
  }

  get attempts(): number {
    return this.used;
  }

  // Runs `task` until it succeeds, fails for good, the budget is spent or the signal aborts.
  async run<T>(task: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await task();
      } catch (err) {
        await this.failed(err);
      }
    }
  }

  // Counts a failure. Throws it (classified) when it is final; otherwise waits out the backoff
  // before the caller tries again.
  async failed(err: unknown): Promise<void> {
    const { classify, cost, signal, onRetry } = this.options;
    this.used += Math.max(1, cost?.(err) ?? 1);
    const failure = classify ? classify(err, this.used) : err;
    if (!isRetryable(failure) || this.used >= this.policy.attempts || signal?.aborted) throw failure;
    const delayMs = backoffDelay(this.used, this.policy, this.options.random);
    onRetry?.(failure, this.used, delayMs);
    await (this.options.clock ?? systemClock).sleep(delayMs, signal);
  }
}

export function retry<T>(task: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  return new RetryBudget(options).run(task);
}

export interface WaitOptions {
  timeoutMs: number;
  backoff: Backoff;
  clock?: Clock;
  random?: () => number;
}

// Polls `probe` until it gives a value, pausing with backoff between polls; undefined once
// `timeoutMs` has passed without one (the caller says what it was waiting for).
export async function waitWithBackoff<T>(probe: () => Promise<T | undefined>, options: WaitOptions): Promise<T | undefined> {
  const clock = options.clock ?? systemClock;
  const deadline = clock.now() + options.timeoutMs;
  for (let pause = 1; ; pause++) {
    const value = await probe();
    if (value !== undefined) return value;
    if (clock.now() >= deadline) return undefined;
    await clock.sleep(backoffDelay(pause, options.backoff, options.random));
  }
}
