import { setTimeout as sleep } from 'node:timers/promises';
import { LfsLazyError } from '../errors/index.js';

export interface RetryPolicy {
  // Total attempts, including the first.
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

// Errors whose retries were already used up by an inner layer (a store's own retries, an SDK's).
// They stay `retryable` — a later rerun may well succeed — but an outer withRetry must not
// multiply the attempts: 5 agent attempts × 5 store attempts × N SDK attempts would turn a dead
// endpoint into minutes of waiting.
const spent = new WeakSet<object>();

export function markRetriesSpent<T>(err: T): T {
  if (typeof err === 'object' && err !== null) spent.add(err);
  return err;
}

// Transient means: worth trying again unchanged. LfsLazyError says so itself; anything else
// (a bare network error that escaped the store) is treated as transient, since permanent
// failures are always mapped to a typed error by the stores.
export function isRetryable(err: unknown): boolean {
  if (typeof err === 'object' && err !== null && spent.has(err)) return false;
  if (err instanceof LfsLazyError) return err.retryable;
  if (err instanceof Error && err.name === 'AbortError') return false;
  return true;
}

// Full-jitter exponential backoff: spreads retries of many workers hitting the same throttled
// endpoint instead of synchronising them.
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(random() * ceiling);
}

export async function withRetry<T>(
  task: (attempt: number) => Promise<T>,
  options: { policy?: RetryPolicy; signal?: AbortSignal; onRetry?: (err: unknown, attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  const policy = options.policy ?? defaultRetryPolicy;
  for (let attempt = 1; ; attempt++) {
    try {
      return await task(attempt);
    } catch (err) {
      if (!isRetryable(err) || options.signal?.aborted) throw err;
      if (attempt >= policy.attempts) throw markRetriesSpent(err);
      const delay = backoffDelay(attempt, policy);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }
}
