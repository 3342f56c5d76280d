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
    if (this.destroyed) return undefined;
    const pieces = chunks.filter((chunk) => chunk.length > 0);
    const last = pieces.pop();
    if (last === undefined) return undefined;
    if (this.#held !== undefined) pieces.unshift(this.#held);
    this.#held = last;
    // The rest as one piece: each piece becomes a write to the reader's socket, and a batch of
    // network chunks (16–64 KiB each) as one write costs less CPU than each on its own.
    const wantsMore = pieces.length === 0 || this.push(pieces.length === 1 ? pieces[0] : Buffer.concat(pieces));
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
