// The retrying S3 request: every request an S3Store makes goes through one RetryBudget per
// operation (util/retry.ts), the store being the one owner of retries — callers above it never
// retry a store error again. The SDK's own attempts behind a failure (s3-client.ts) are charged to
// the same budget, so the two never multiply: a request the SDK already tried `attempts` times is
// not tried again here.
import type { Logger } from '../log/logger.js';
import { RetryBudget, type RetryPolicy } from '../util/retry.js';

export interface S3RetryContext {
  policy: RetryPolicy;
  logger: Logger | undefined;
  // The store's error for a failure of `operation` on `oid`, naming the attempts made.
  mapError: (err: unknown, operation: string, oid: string, attempts: number) => Error;
}

// The budget of one operation on one object; the final error names the operation, the object,
// the attempts and the cause.
export function s3Retries(ctx: S3RetryContext, operation: string, oid: string, signal: AbortSignal | undefined): RetryBudget {
  return new RetryBudget({
    policy: ctx.policy,
    ...(signal && { signal }),
    classify: (err, attempts) => ctx.mapError(err, operation, oid, attempts),
    cost: sdkAttempts,
    onRetry: (err, attempt, delayMs) => ctx.logger?.warn({ err: (err as Error).message, operation, oid, attempt, delayMs }, 'retrying S3 operation'),
  });
}

// The SDK's own attempts behind a failed send (1 when it did not retry, e.g. a streamed PUT).
function sdkAttempts(err: unknown): number {
  const attempts = (err as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 0 ? attempts : 1;
}

export function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
}
