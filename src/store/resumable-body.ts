// A response body that continues where its connection broke off: a reset at 90 % of a large object
// costs one more request for the last 10 %, not the whole object again. Every resumed request
// draws from the operation's one retry budget.
import type { Readable } from 'node:stream';
import type { RetryBudget } from '../util/retry.js';
import { readableOf } from './generator-readable.js';

export interface ResumableBodyOptions {
  // The first response's body, and the object offset of its first byte.
  body: Readable;
  start: number;
  // Bytes the first response announced; a clean end short of them is a truncation. Undefined: unknown.
  length: number | undefined;
  // The operation's budget, the first request already counted.
  retries: RetryBudget;
  // A new response from object offset `from`; undefined when nothing arrived yet, meaning: repeat
  // the first request as it was.
  reopen: (from: number | undefined) => Promise<Readable>;
  // The error for a body that ended `received` bytes into the `expected`.
  truncated: (received: number, expected: number) => Error;
}

// The response body being read now, and whether its reader has gone away.
interface Current {
  body: Readable;
  closed: boolean;
}

export function resumableBody(options: ResumableBodyOptions): Readable {
  const current: Current = { body: options.body, closed: false };
  return readableOf(chunks(options, current), () => {
    // A reader that goes away releases the socket at once, and never causes a resume.
    current.closed = true;
    current.body.destroy();
  });
}

async function* chunks(options: ResumableBodyOptions, current: Current): AsyncGenerator<Buffer> {
  const { start } = options;
  const stop = options.length === undefined ? undefined : start + options.length;
  let position = start;
  try {
    for (;;) {
      try {
        for await (const chunk of current.body as AsyncIterable<Buffer>) {
          position += chunk.length;
          yield chunk;
        }
        if (stop === undefined || position >= stop) return;
        throw options.truncated(position - start, stop - start);
      } catch (err) {
        current.body.destroy();
        if (current.closed) return;
        await options.retries.failed(err);
        const from = position === start ? undefined : position;
        current.body = await options.retries.run(() => options.reopen(from));
        if (current.closed) return;
      }
    }
  } finally {
    // Also when the consumer stops reading early: release the socket.
    current.body.destroy();
  }
}
