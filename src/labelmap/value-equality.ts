// Whether two raw JSON values are the same value: equal bytes (the usual case, one memcmp), else
// equal canonical forms. Digests of the canonical forms settle "different" cheaply; equal digests
// are verified by comparing the canonical texts themselves, so a digest collision can never make
// two different values equal — it only costs the comparison.
import { canonicalDigest } from './canonical-digest.js';
import { canonicalJson } from './canonical-value.js';
import { sameBytes } from './json-bytes.js';

export type ValueDigest = (b: Uint8Array, start: number, end: number, out: Uint32Array, index: number) => void;

export class ValueEquality {
  private readonly digests = new Uint32Array(4);
  // Values whose digests were equal but not their canonical forms.
  collisions = 0;

  // `digest`: canonicalDigest, or in tests one that collides on purpose.
  constructor(private readonly digest: ValueDigest = canonicalDigest) {}

  same(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
    if (sameBytes(a, as, ae, b, bs, be)) return true;
    const d = this.digests;
    this.digest(a, as, ae, d, 0);
    this.digest(b, bs, be, d, 2);
    if (d[0] !== d[2] || d[1] !== d[3]) return false;
    const same = canonicalJson(text(a, as, ae)) === canonicalJson(text(b, bs, be));
    if (!same) this.collisions++;
    return same;
  }
}

function text(b: Uint8Array, start: number, end: number): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', start, end);
}
