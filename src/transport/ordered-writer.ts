// Ordered, backpressured writes to the stream a protocol answers on (stdout), under either framing:
// JSON lines to git-lfs (the agent), pkt-lines to git (the filter). Writes reach the stream in call
// order, whole, never interleaved, each one after the one before it; each resolves once the
// stream has room again ('drain'), so a large answer goes out at the reader's pace instead of
// being queued in memory.
//
// Once the stream fails (the reader went away: EPIPE; any other write error; destroyed), what the
// writer does is the caller's explicit choice:
//   'stop-quietly'  the agent's. git-lfs closing our stdout means it wants no more answers, and an
//                   agent must not crash because its reader left first: the failure is logged
//                   once (debug for a reader that left, warn for anything else) and every write
//                   and flush from then on resolves without writing. Never rejects.
//   'reject'        the filter's. A failed write ends the session: git is gone or the stream is
//                   broken, and nothing written after could be read. That write, every later one
//                   and flush reject with the first failure.
import type { Writable } from 'node:stream';
import { ProtocolError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';

export type WriteFailurePolicy = 'stop-quietly' | 'reject';

export interface OrderedWriterOptions {
  onFailure: WriteFailurePolicy;
  // Where 'stop-quietly' reports the failure it swallows.
  logger?: Logger;
}

export class OrderedWriter {
  #tail: Promise<void> = Promise.resolve();
  // Settles when the stream has called back the latest write (handed it on, or failed it).
  #lastWritten: Promise<void> = Promise.resolve();
  #failure: Error | undefined;
  // A destroyed stream may never call back the write it was holding.
  readonly #gone: Promise<void>;

  constructor(
    private readonly output: Writable,
    private readonly options: OrderedWriterOptions,
  ) {
    this.#gone = new Promise((resolve) => {
      output.on('error', (err: Error) => {
        this.#fail(err);
        resolve();
      });
      output.on('close', resolve);
    });
  }

  // The stream takes no more writes (failed, destroyed or ended).
  get closed(): boolean {
    return this.#failure !== undefined || this.output.destroyed || this.output.writableEnded;
  }

  // Queues the chunks behind every earlier write; together they reach the stream in call order.
  write(...chunks: Array<Buffer | string>): Promise<void> {
    const next = this.#tail.then(() => this.#writeNow(chunks));
    // A failed write fails its caller; the queue itself goes on (and the next write fails fast).
    this.#tail = next.catch(() => undefined);
    return next;
  }

  // Resolves once the stream has taken everything written so far (or has failed: see the policy).
  async flush(): Promise<void> {
    await this.#tail;
    await Promise.race([this.#lastWritten, this.#gone]);
    this.#throwIfRejecting();
  }

  async #writeNow(chunks: Array<Buffer | string>): Promise<void> {
    const { output } = this;
    for (const chunk of coalesce(chunks)) {
      if (this.closed) {
        if (this.options.onFailure === 'stop-quietly') return;
        throw this.#failure ?? new ProtocolError('the output stream is closed');
      }
      if (chunk.length === 0) continue;
      let hasRoom = true;
      this.#lastWritten = new Promise((resolve) => {
        hasRoom = output.write(chunk, (err) => {
          if (err) this.#fail(err);
          resolve();
        });
      });
      if (!hasRoom) await drained(output);
    }
    this.#throwIfRejecting();
  }

  #throwIfRejecting(): void {
    if (this.#failure && this.options.onFailure === 'reject') throw this.#failure;
  }

  #fail(err: NodeJS.ErrnoException): void {
    if (this.#failure) return;
    this.#failure = err;
    if (this.options.onFailure !== 'stop-quietly') return;
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      this.options.logger?.debug({ code: err.code }, 'output closed by the reader; not writing any more');
    } else {
      this.options.logger?.warn({ err }, 'writing to the output failed; not writing any more');
    }
  }
}

// A reply made of small pieces (a filter answer: status, content, trailer) goes out in one write:
// one system call, and one wake-up of the reader instead of one per piece. Large pieces stay as
// they are, so that backpressure still applies between them.
const COALESCE_LIMIT = 64 * 1024;
function coalesce(chunks: Array<Buffer | string>): Array<Buffer | string> {
  if (chunks.length < 2) return chunks;
  let total = 0;
  for (const chunk of chunks) {
    total += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    if (total > COALESCE_LIMIT) return chunks;
  }
  return [Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk) : chunk)), total)];
}

// The stream has room again, or will never have (closed, failed).
function drained(output: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      output.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    output.on('drain', done).on('close', done).on('error', done);
  });
}
