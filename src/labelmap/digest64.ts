// A 64-bit digest of bytes as two unsigned 32-bit halves: two multiplicative lanes over the bytes,
// cross-mixed with the length at the end (the "cyrb53" construction, kept at 64 bits). Not
// cryptographic: label-map merge and diff compare digests of canonical values only when their
// bytes differ, where a false "equal" needs a 2^-64 coincidence between a value and the one it
// replaced. Fed in pieces (canonical-digest.ts hashes a value's canonical text without building
// it), one instance per value hashed.
export class Digest64 {
  private a = 0xdeadbeef;
  private b = 0x41c6ce57;
  private length = 0;

  // The bytes b[start..end).
  addRange(bytes: Uint8Array, start: number, end: number): void {
    let a = this.a;
    let b = this.b;
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      a = Math.imul(a ^ c, 2654435761);
      b = Math.imul(b ^ c, 1597334677);
    }
    this.a = a;
    this.b = b;
    this.length += end - start;
  }

  addByte(c: number): void {
    this.a = Math.imul(this.a ^ c, 2654435761);
    this.b = Math.imul(this.b ^ c, 1597334677);
    this.length++;
  }

  // Writes the digest to out[index] and out[index + 1].
  finish(out: Uint32Array, index: number): void {
    let a = this.a ^ this.length;
    let b = this.b ^ this.length;
    a = Math.imul(a ^ (a >>> 16), 2246822507);
    a ^= Math.imul(b ^ (b >>> 13), 3266489909);
    b = Math.imul(b ^ (b >>> 16), 2246822507);
    b ^= Math.imul(a ^ (a >>> 13), 3266489909);
    out[index] = a >>> 0;
    out[index + 1] = b >>> 0;
  }
}

export function digest64(bytes: Uint8Array, out: Uint32Array, index: number): void {
  const digest = new Digest64();
  digest.addRange(bytes, 0, bytes.length);
  digest.finish(out, index);
}
