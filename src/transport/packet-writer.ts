// Ordered, backpressured writes of pkt-line bytes to git (the filter's stdout). Each write resolves
// once the stream has room again, so a large smudge is streamed at git's pace instead of being
// queued in memory. Once the stream has failed (git went away: EPIPE) every write rejects with
// that error: the filter has nobody left to answer.
import type { Writable } from 'node:stream';

export class PacketWriter {
  #tail: Promise<void> = Promise.resolve();
  #failure: Error | undefined;

  constructor(private readonly output: Writable) {
    output.on('error', (err: Error) => {
      this.#failure ??= err;
    });
  }

  // Queues the chunks behind every earlier write; they reach the stream in call order.
  write(...chunks: Buffer[]): Promise<void> {
    const next = this.#tail.then(() => this.#writeNow(chunks));
    // A failed write fails its caller; the chain itself stays usable for the next (which fails fast).
    this.#tail = next.catch(() => undefined);
    return next;
  }

  // Resolves once everything written so far has been handed to the stream.
  async flush(): Promise<void> {
    await this.#tail;
    if (this.#failure) throw this.#failure;
  }

  async #writeNow(chunks: Buffer[]): Promise<void> {
    const { output } = this;
    for (const chunk of chunks) {
      if (this.#failure) throw this.#failure;
      if (output.destroyed || output.writableEnded) throw new Error('the output stream is closed');
      if (chunk.length === 0) continue;
      if (!output.write(chunk)) await drained(output);
    }
    if (this.#failure) throw this.#failure;
  }
}

function drained(output: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      output.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    output.on('drain', done).on('close', done).on('error', done);
  });
}
