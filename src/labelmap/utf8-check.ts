// UTF-8 validation of a byte stream cut anywhere: a sequence split between two chunks is checked
// once its last byte arrives. Strict, as TextDecoder's fatal mode (no overlongs, no surrogates).
import { isUtf8 } from 'node:buffer';
import { LabelMapFormatError } from './format-error.js';

// Bytes a sequence starting with `lead` has, or 0 for a byte that cannot start one.
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

export class Utf8Check {
  private tail: Uint8Array = new Uint8Array(0);
  private offset = 0;

  push(chunk: Uint8Array): void {
    let from = 0;
    if (this.tail.length > 0) {
      const need = sequenceLength(this.tail[0]!) - this.tail.length;
      if (chunk.length < need) {
        this.tail = concat(this.tail, chunk);
        this.offset += chunk.length;
        return;
      }
      this.check(concat(this.tail, chunk.subarray(0, need)));
      from = need;
      this.tail = new Uint8Array(0);
    }
    // A sequence the chunk ends inside waits for the next chunk.
    let cut = chunk.length;
    for (let k = chunk.length - 1; k >= from && k >= chunk.length - 3; k--) {
      const c = chunk[k]!;
      if (c < 0x80) break;
      if (c >= 0xc0) {
        if (k + sequenceLength(c) > chunk.length) cut = k;
        break;
      }
    }
    this.check(chunk.subarray(from, cut));
    this.tail = chunk.slice(cut);
    this.offset += chunk.length;
  }

  end(): void {
    if (this.tail.length > 0) this.fail();
  }

  private check(bytes: Uint8Array): void {
    if (!isUtf8(bytes)) this.fail();
  }

  private fail(): never {
    throw new LabelMapFormatError(`not valid UTF-8 text (near byte ${this.offset})`);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
