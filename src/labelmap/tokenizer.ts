// A streaming reader of JSON label maps: one top-level object `{"key": value, …}`, read chunk by
// chunk as UTF-8 bytes, delivering each member as offsets of its key and value in a buffer, without
// decoding, parsing or holding the document. Values are validated as they are delimited
// (json-bytes.ts), so whatever is read is RFC 8259 JSON. Pure: bytes in, offsets out.
//
// A member cut by the end of a chunk is scanned again from its start once the next chunk has come;
// a value longer than a chunk waits until the bytes held have doubled before the next attempt, so a
// huge value costs linear time, not quadratic.
import { LabelMapFormatError } from './format-error.js';
import { ContainerStack, JsonSyntaxError, NEED_MORE, QUOTE, scanString, scanValue, skipSpace } from './json-bytes.js';
import { Utf8Check } from './utf8-check.js';

export { LabelMapFormatError };

// Offsets of the members read from one buffer: for member m, at 5m: the key with its quotes
// (start, end), the value (start, end), and 1 when the key holds an escape.
export interface MemberBatch {
  buf: Buffer;
  count: number;
  offsets: Int32Array;
}

export const MEMBER_FIELDS = 5;

const enum State {
  Start,
  FirstKeyOrEnd,
  NextKey,
  AfterValue,
  Done,
}

const BOM = [0xef, 0xbb, 0xbf];
const EMPTY = Buffer.alloc(0);
const NO_OFFSETS = new Int32Array(0);

function describeByte(c: number | undefined): string {
  if (c === undefined) return 'end of input';
  return JSON.stringify(String.fromCharCode(c));
}

export class LabelMapScanner {
  private state = State.Start;
  private held: Buffer[] = [];
  private heldBytes = 0;
  // Bytes of the input before held[0], for error positions.
  private consumed = 0;
  // After an attempt that completed nothing, the held size the next attempt waits for.
  private waitFor = 0;
  private readonly utf8 = new Utf8Check();
  private readonly stack = new ContainerStack();
  private readonly escapes = new Uint8Array(1);

  push(chunk: Uint8Array): MemberBatch {
    this.utf8.push(chunk);
    this.held.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.heldBytes += chunk.length;
    if (this.heldBytes < this.waitFor) return { buf: EMPTY, count: 0, offsets: NO_OFFSETS };
    return this.scan();
  }

  // The members still held, once the input has ended; throws if the object is not complete.
  end(): MemberBatch {
    this.utf8.end();
    const batch = this.heldBytes > 0 ? this.scan() : { buf: EMPTY, count: 0, offsets: NO_OFFSETS };
    if (this.state === State.Start) throw this.error('empty input: a label map must be a JSON object', this.consumed);
    if (this.state !== State.Done) throw this.error('unexpected end of input inside the object', this.consumed + this.heldBytes);
    return batch;
  }

  private scan(): MemberBatch {
    const b = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
    const n = b.length;
    // Room for a member every 32 bytes, grown if they are shorter.
    let offsets = new Int32Array(MEMBER_FIELDS * (16 + (n >> 5)));
    let count = 0;
    // Only ever moves past whole tokens: where it stops, the bytes not yet consumed start.
    let i = 0;
    scanning: while (i < n) {
      switch (this.state) {
        case State.Start: {
          if (this.consumed === 0 && i === 0 && b[0] === BOM[0]) {
            if (n < 3) break scanning;
            if (b[1] === BOM[1] && b[2] === BOM[2]) i = 3;
          }
          i = skipSpace(b, i, n);
          if (i >= n) break scanning;
          if (b[i] !== 0x7b) throw this.error(`a label map must be a JSON object, found ${describeByte(b[i])}`, this.consumed + i);
          this.state = State.FirstKeyOrEnd;
          i++;
          break;
        }
        case State.FirstKeyOrEnd:
        case State.NextKey: {
          i = skipSpace(b, i, n);
          if (i >= n) break scanning;
          const c = b[i]!;
          if (c === 0x7d && this.state === State.FirstKeyOrEnd) {
            this.state = State.Done;
            i++;
            break;
          }
          if (c !== QUOTE) throw this.error(`expected a key, found ${describeByte(c)}`, this.consumed + i);
          if (MEMBER_FIELDS * (count + 1) > offsets.length) {
            const grown = new Int32Array(offsets.length * 2);
            grown.set(offsets);
            offsets = grown;
          }
          const end = this.member(b, i, n, offsets, MEMBER_FIELDS * count);
          if (end === NEED_MORE) break scanning;
          count++;
          this.state = State.AfterValue;
          i = end;
          break;
        }
        case State.AfterValue: {
          i = skipSpace(b, i, n);
          if (i >= n) break scanning;
          const c = b[i]!;
          if (c === 0x2c) this.state = State.NextKey;
          else if (c === 0x7d) this.state = State.Done;
          else throw this.error(`expected "," or "}" after a value, found ${describeByte(c)}`, this.consumed + i);
          i++;
          break;
        }
        case State.Done: {
          i = skipSpace(b, i, n);
          if (i < n) throw this.error(`unexpected ${describeByte(b[i])} after the end of the object`, this.consumed + i);
          break;
        }
      }
    }
    this.consumed += i;
    const rest = b.subarray(i);
    this.held = rest.length > 0 ? [rest] : [];
    this.heldBytes = rest.length;
    // Nothing completed: wait for twice as many bytes before scanning them all again.
    this.waitFor = count === 0 && rest.length > 0 ? 2 * rest.length : 0;
    return { buf: b, count, offsets };
  }

  // Scans the member whose key starts at `i`; its offsets go to offsets[o..o+4]. Returns the index
  // after the value, or NEED_MORE.
  private member(b: Buffer, i: number, n: number, offsets: Int32Array, o: number): number {
    this.escapes[0] = 0;
    let keyEnd: number;
    try {
      keyEnd = scanString(b, i, n, this.escapes);
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      throw this.error(`invalid key ${b.toString('utf8', i, Math.min(n, i + 80))}: ${err.message}`, this.consumed + err.at);
    }
    if (keyEnd === NEED_MORE) return NEED_MORE;
    let j = skipSpace(b, keyEnd, n);
    if (j >= n) return NEED_MORE;
    if (b[j] !== 0x3a) throw this.error(`expected ":" after key ${b.toString('utf8', i, Math.min(keyEnd, i + 80))}, found ${describeByte(b[j])}`, this.consumed + j);
    j = skipSpace(b, j + 1, n);
    if (j >= n) return NEED_MORE;
    const c = b[j]!;
    if (c === 0x7d || c === 0x5d || c === 0x2c || c === 0x3a) {
      throw this.error(`expected a value for key ${b.toString('utf8', i, Math.min(keyEnd, i + 80))}, found ${describeByte(c)}`, this.consumed + j);
    }
    let end: number;
    try {
      end = scanValue(b, j, n, this.stack);
    } catch (err) {
      if (!(err instanceof JsonSyntaxError)) throw err;
      throw this.error(`the value of key ${b.toString('utf8', i, Math.min(keyEnd, i + 80))} is not valid JSON: ${err.message}`, this.consumed + err.at);
    }
    if (end === NEED_MORE) return NEED_MORE;
    offsets[o] = i;
    offsets[o + 1] = keyEnd;
    offsets[o + 2] = j;
    offsets[o + 3] = end;
    offsets[o + 4] = this.escapes[0]!;
    return end;
  }

  private error(message: string, at: number): LabelMapFormatError {
    return new LabelMapFormatError(`${message} (at byte ${at})`);
  }
}

// Byte chunks of a source that may also yield text (tests, small inputs).
export async function* byteChunks(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) yield typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
}

// The key a raw (quoted, valid) key stands for.
export function decodeKey(rawKey: string, escaped: boolean): string {
  return escaped ? (JSON.parse(rawKey) as string) : rawKey.slice(1, -1);
}
