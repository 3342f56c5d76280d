// A cursor over the members of one label map, one at a time, as offsets into a buffer: the unit the
// merge and the diff walk. `next()` returns a promise only when it has to read more input, so a walk
// over millions of members awaits once per chunk, not once per member.
//
// Sorted walks need each input in ascending key order (the byte order of the decoded keys' UTF-8,
// i.e. code point order, as `json.dump(sort_keys=True)` writes them). A cursor checks it as it
// goes: an equal key is a duplicate (an error in the map), a smaller one means the input is not
// sorted, which the caller handles by sorting it (external-sort.ts).
import { compareBytes } from './json-bytes.js';
import { decodeKey, LabelMapFormatError, LabelMapScanner, MEMBER_FIELDS, type MemberBatch } from './tokenizer.js';

const EMPTY = Buffer.alloc(0);

export function duplicateKey(key: string): LabelMapFormatError {
  return new LabelMapFormatError(`the key ${JSON.stringify(key)} appears more than once`);
}

// The input of `side` is not in ascending key order.
export class NotSorted extends Error {
  constructor(readonly side: string) {
    super(`${side} is not in key order`);
  }
}

// The side's name in front of a format error, as "ours: …".
export function sideError(side: string, err: unknown): unknown {
  return err instanceof LabelMapFormatError ? new LabelMapFormatError(`${side}: ${err.message}`) : err;
}

export abstract class MemberCursor {
  done = false;
  // The current member: its key as written and its value, in `buf`; its key's sort bytes (the
  // decoded key as UTF-8) in `keyBuf`; its position in the input.
  buf: Buffer = EMPTY;
  rawKeyStart = 0;
  rawKeyEnd = 0;
  rawStart = 0;
  rawEnd = 0;
  keyBuf: Buffer = EMPTY;
  keyStart = 0;
  keyEnd = 0;
  seq = -1;
  // Members read so far.
  count = 0;
  // Whether every key so far was greater than the one before.
  ascending = true;
  private prevBuf: Buffer = EMPTY;
  private prevStart = 0;
  private prevEnd = -1;

  // `strict`: a key out of order throws NotSorted; otherwise `ascending` turns false.
  constructor(
    readonly side: string,
    private readonly strict: boolean,
  ) {}

  abstract next(): Promise<void> | void;

  // Stops reading before the end (an error elsewhere): releases the input.
  async close(): Promise<void> {}

  // The decoded key of the current member.
  key(): string {
    return this.keyBuf.toString('utf8', this.keyStart, this.keyEnd);
  }

  // Copies that outlive the current buffer.
  rawKeyCopy(): Buffer {
    return Buffer.from(this.buf.subarray(this.rawKeyStart, this.rawKeyEnd));
  }

  rawCopy(): Buffer {
    return Buffer.from(this.buf.subarray(this.rawStart, this.rawEnd));
  }

  keyCopy(): Buffer {
    return Buffer.from(this.keyBuf.subarray(this.keyStart, this.keyEnd));
  }

  // Called for each member loaded: counts it and checks its key against the one before.
  protected checkOrder(): void {
    this.count++;
    if (this.ascending && this.prevEnd >= 0) {
      const order = compareBytes(this.prevBuf, this.prevStart, this.prevEnd, this.keyBuf, this.keyStart, this.keyEnd);
      if (order === 0) throw sideError(this.side, duplicateKey(this.key()));
      if (order > 0) {
        if (this.strict) throw new NotSorted(this.side);
        this.ascending = false;
      }
    }
    this.prevBuf = this.keyBuf;
    this.prevStart = this.keyStart;
    this.prevEnd = this.keyEnd;
  }
}

// The members of a stream, in the order they are written.
export class StreamCursor extends MemberCursor {
  private readonly scanner = new LabelMapScanner();
  private readonly iterator: AsyncIterator<Uint8Array>;
  private batch: MemberBatch = { buf: EMPTY, count: 0, offsets: new Int32Array(0) };
  private index = 0;
  private ended = false;

  constructor(side: string, source: AsyncIterable<Uint8Array>, strict: boolean) {
    super(side, strict);
    this.iterator = source[Symbol.asyncIterator]();
  }

  next(): Promise<void> | void {
    if (++this.index < this.batch.count) return this.load();
    return this.refill();
  }

  override async close(): Promise<void> {
    if (!this.ended) await this.iterator.return?.();
    this.ended = true;
  }

  private async refill(): Promise<void> {
    while (!this.ended) {
      try {
        const { value, done } = await this.iterator.next();
        if (done) {
          this.ended = true;
          this.batch = this.scanner.end();
        } else {
          this.batch = this.scanner.push(value);
        }
      } catch (err) {
        throw sideError(this.side, err);
      }
      if (this.batch.count > 0) {
        this.index = 0;
        return this.load();
      }
    }
    this.done = true;
  }

  private load(): void {
    const { buf, offsets } = this.batch;
    const o = MEMBER_FIELDS * this.index;
    this.buf = buf;
    this.seq++;
    const start = offsets[o]!;
    const end = offsets[o + 1]!;
    this.rawKeyStart = start;
    this.rawKeyEnd = end;
    this.rawStart = offsets[o + 2]!;
    this.rawEnd = offsets[o + 3]!;
    if (offsets[o + 4] === 0) {
      this.keyBuf = buf;
      this.keyStart = start + 1;
      this.keyEnd = end - 1;
    } else {
      this.keyBuf = Buffer.from(decodeKey(buf.toString('utf8', start, end), true), 'utf8');
      this.keyStart = 0;
      this.keyEnd = this.keyBuf.length;
    }
    this.checkOrder();
  }
}

// Advances two cursors at once. Returns a promise only when one of them has to read. An error is
// thrown only once both reads have settled, so no read is left running, and when both sides fail
// it is always a's: which read fails first depends on I/O timing, and the user's message must not.
export function stepBoth(a: MemberCursor, b: MemberCursor): Promise<void> | void {
  let pa: Promise<void> | void;
  try {
    pa = a.next();
  } catch (err) {
    return Promise.reject(err);
  }
  let pb: Promise<void> | void;
  try {
    pb = b.next();
  } catch (err) {
    pb = Promise.reject(err);
  }
  if (!pa || !pb) return pa ?? pb;
  return Promise.allSettled([pa, pb]).then(([ra, rb]) => {
    if (ra.status === 'rejected') throw ra.reason;
    if (rb.status === 'rejected') throw rb.reason;
  });
}

// Walks a cursor to its end.
export async function drain(cursor: MemberCursor, visit: (cursor: MemberCursor) => void): Promise<void> {
  for (;;) {
    const pending = cursor.next();
    if (pending) await pending;
    if (cursor.done) return;
    visit(cursor);
  }
}
