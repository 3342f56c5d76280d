// Writes a label map in the merge's layout — "{", one member per line indented by two spaces as
// `<key>: <value>` joined by ",", "}" and a final newline; "{}\n" when empty — from byte ranges
// copied into one output buffer, flushed when full.
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const SIZE = 1 << 20;
const FIRST = Buffer.from('{\n  ');
const NEXT = Buffer.from(',\n  ');
const COLON = Buffer.from(': ');

export class MapWriter {
  private buffer = Buffer.allocUnsafe(SIZE);
  private used = 0;
  count = 0;

  constructor(private readonly out: Writable) {}

  get full(): boolean {
    return this.used > SIZE / 2;
  }

  add(keyBuf: Buffer, keyStart: number, keyEnd: number, valueBuf: Buffer, valueStart: number, valueEnd: number): void {
    const size = 4 + keyEnd - keyStart + 2 + valueEnd - valueStart;
    if (this.used + size > this.buffer.length) this.grow(size);
    this.put(this.count === 0 ? FIRST : NEXT, 0, 4);
    this.put(keyBuf, keyStart, keyEnd);
    this.put(COLON, 0, 2);
    this.put(valueBuf, valueStart, valueEnd);
    this.count++;
  }

  async flush(final = false): Promise<void> {
    if (final) {
      const tail = Buffer.from(this.count === 0 ? '{}\n' : '\n}\n');
      if (this.used + tail.length > this.buffer.length) this.grow(tail.length);
      this.put(tail, 0, tail.length);
    }
    if (this.used === 0) return;
    const chunk = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(SIZE);
    this.used = 0;
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }

  // Short ranges are copied by hand: cheaper than a native call for a 12-byte key.
  private put(from: Buffer, start: number, end: number): void {
    const b = this.buffer;
    let at = this.used;
    if (end - start > 64) {
      at += from.copy(b, at, start, end);
    } else {
      for (let k = start; k < end; k++) b[at++] = from[k]!;
    }
    this.used = at;
  }

  // Room for `size` more bytes, for a member bigger than what is left (flush() empties the buffer).
  private grow(size: number): void {
    const next = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.used + size));
    this.buffer.copy(next, 0, 0, this.used);
    this.buffer = next;
  }
}
