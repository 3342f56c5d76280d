// The reader's side of a whole read sent while its object downloads (read-content.ts): bytes go
// out as the download has hashed and written them, except the last chunk, which waits for
// `finish`, called only once the whole object has matched its oid. A reader therefore never sees
// the end of a body that failed verification: `destroy(err)` ends the stream with the error
// instead (over HTTP, the connection is cut short of its Content-Length, which every client
// reports as an error).
import { Readable } from 'node:stream';

export class VerifiedTailStream extends Readable {
  #held: Buffer | undefined;
  #wake: (() => void) | undefined;

  // Takes the next chunks; settles when the reader wants more (backpressure for the download).
  // Once the stream is destroyed (the reader gone) it takes everything at once, keeping nothing.
  feed(chunks: readonly Buffer[]): Promise<void> | undefined {
    let wantsMore = true;
    for (const chunk of chunks) {
      if (this.destroyed) return undefined;
      if (chunk.length === 0) continue;
      const previous = this.#held;
      this.#held = chunk;
      if (previous !== undefined) wantsMore = this.push(previous);
    }
    if (wantsMore || this.destroyed) return undefined;
    return new Promise((resolve) => (this.#wake = resolve));
  }

  // The object is verified: the held chunk, then the end.
  finish(): void {
    if (this.destroyed) return;
    if (this.#held !== undefined) this.push(this.#held);
    this.#held = undefined;
    this.push(null);
  }

  override _read(): void {
    this.#release();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#held = undefined;
    this.#release();
    callback(error);
  }

  #release(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
