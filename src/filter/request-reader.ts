// Reading git's requests so that one bad request costs only that request: the filter must answer
// each one after reading all of it, even when it cannot handle it, or git and the filter stop
// agreeing on where the next request starts.
import { discardContent, readContent } from '../protocol/filter-protocol.js';
import { PktLineReader, type PktFrame } from '../protocol/pkt-line.js';

const PATHNAME = Buffer.from('pathname=');

// A PktLineReader that remembers enough of the packet list it last finished to tell whether a
// request it could not parse had a pathname (then git sends content after it).
export class RequestReader extends PktLineReader {
  #sawPathname = false;
  #listHadPathname = false;
  #lastWasFlush = false;

  override async read(): Promise<PktFrame | undefined> {
    let frame: PktFrame | undefined;
    try {
      frame = await super.read();
    } catch (err) {
      // A broken frame (bad length, EOF inside a packet) leaves no list end to resume from: the
      // stream is out of step for good, and must not be answered as if one request were bad.
      this.#lastWasFlush = false;
      throw err;
    }
    this.#lastWasFlush = frame?.type === 'flush';
    if (frame?.type === 'flush') {
      this.#listHadPathname = this.#sawPathname;
      this.#sawPathname = false;
    } else if (frame?.type === 'data' && frame.payload.subarray(0, PATHNAME.length).equals(PATHNAME)) {
      this.#sawPathname = true;
    }
    return frame;
  }

  // True right after a complete packet list: the stream is in step, only its meaning was bad.
  get atListEnd(): boolean {
    return this.#lastWasFlush;
  }

  get lastListHadPathname(): boolean {
    return this.#listHadPathname;
  }
}

// One request's content as a stream, with a way to skip whatever the consumer did not read.
export class RequestContent implements AsyncIterable<Buffer> {
  #done = false;
  #pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly reader: PktLineReader) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    const packets = readContent(this.reader);
    for (;;) {
      const next = packets.next().then((result) => {
        if (result.done === true) this.#done = true;
        return result;
      });
      this.#pending = next;
      const result = await next;
      if (result.done === true) return;
      yield result.value;
    }
  }

  // Reads up to the content's flush, waiting first for a read the consumer left in flight.
  async drain(): Promise<void> {
    await this.#pending.catch(() => undefined);
    if (!this.#done) await discardContent(this.reader);
    this.#done = true;
  }
}
