// digest64 of the UTF-8 bytes of canonicalJson(raw), without building the canonical text: the
// usual label value (`{"label": "speech", "speaker": 17}`, members already in order, no escapes)
// is hashed straight from its bytes. Any value the fast path does not take on (an object whose
// members are not in canonical order, a string with escapes, a member name with characters from
// U+E000 up — where UTF-8 byte order and the UTF-16 order canonicalJson sorts by can differ —,
// nesting deeper than FAST_DEPTH, anything invalid) goes to the general path, which also reports
// invalid input. Pure.
import { canonicalJson } from './canonical-value.js';
import { Digest64, digest64 } from './digest64.js';
import { compareBytes, QUOTE, skipSpace } from './json-bytes.js';

// What the fast path returns, instead of an index, for a value it leaves to the general path.
const NOT_FAST = -1;
// The fast path recurses; past this depth (far beyond any usual label value) the general path,
// which keeps its nesting on the heap, takes over, so no depth overflows the native stack.
const FAST_DEPTH = 64;

// Writes the digest of the canonical text of the value in b[start..end) to out[index],
// out[index + 1]. Throws LabelMapFormatError for invalid JSON, like canonicalJson.
export function canonicalDigest(b: Uint8Array, start: number, end: number, out: Uint32Array, index: number): void {
  const digest = new Digest64();
  const after = fastValue(b, skipSpace(b, start, end), end, 0, digest);
  if (after !== NOT_FAST && skipSpace(b, after, end) === end) digest.finish(out, index);
  else digest64(Buffer.from(canonicalJson(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8', start, end)), 'utf8'), out, index);
}

// Hashes the canonical text of the value at `i`; returns the index after it, or NOT_FAST.
function fastValue(b: Uint8Array, i: number, n: number, depth: number, digest: Digest64): number {
  if (i >= n) return NOT_FAST;
  const c = b[i]!;
  if (c === QUOTE) {
    const end = stringEnd(b, i, n);
    if (end === NOT_FAST) return NOT_FAST;
    digest.addRange(b, i, end);
    return end;
  }
  if (c === 0x7b || c === 0x5b) {
    if (depth === FAST_DEPTH) return NOT_FAST;
    return c === 0x7b ? fastObject(b, i, n, depth + 1, digest) : fastArray(b, i, n, depth + 1, digest);
  }
  const end = c >= 0x61 ? literalEnd(b, i, n) : numberEnd(b, i, n);
  if (end === NOT_FAST) return NOT_FAST;
  digest.addRange(b, i, end);
  return end;
}

// End (after the closing quote) of an escape-free string without control characters, else NOT_FAST.
function stringEnd(b: Uint8Array, i: number, n: number): number {
  for (let j = i + 1; j < n; j++) {
    const c = b[j]!;
    if (c === QUOTE) return j + 1;
    if (c < 0x20 || c === 0x5c) return NOT_FAST;
  }
  return NOT_FAST;
}

const WORDS = ['true', 'false', 'null'].map((w) => Buffer.from(w));

function literalEnd(b: Uint8Array, i: number, n: number): number {
  for (const word of WORDS) {
    if (i + word.length > n) continue;
    let k = 0;
    while (k < word.length && b[i + k] === word[k]) k++;
    if (k === word.length) return i + k;
  }
  return NOT_FAST;
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;

// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
function numberEnd(b: Uint8Array, i: number, n: number): number {
  let j = i;
  if (b[j] === 0x2d) j++;
  if (j >= n) return NOT_FAST;
  if (b[j] === 0x30) j++;
  else if (isDigit(b[j])) while (j < n && isDigit(b[j])) j++;
  else return NOT_FAST;
  if (j < n && b[j] === 0x2e) {
    j++;
    if (!isDigit(b[j]) || j >= n) return NOT_FAST;
    while (j < n && isDigit(b[j])) j++;
  }
  if (j < n && (b[j]! | 0x20) === 0x65) {
    j++;
    if (j < n && (b[j] === 0x2b || b[j] === 0x2d)) j++;
    if (j >= n || !isDigit(b[j])) return NOT_FAST;
    while (j < n && isDigit(b[j])) j++;
  }
  return j;
}

// A member name whose bytes sort as canonicalJson sorts it: no character from U+E000 up.
function plainName(b: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (b[k]! >= 0xee) return false;
  return true;
}

function fastObject(b: Uint8Array, i: number, n: number, depth: number, digest: Digest64): number {
  digest.addByte(0x7b);
  i = skipSpace(b, i + 1, n);
  if (b[i] === 0x7d) {
    digest.addByte(0x7d);
    return i + 1;
  }
  let prevStart = -1;
  let prevEnd = -1;
  for (let first = true; ; first = false) {
    if (i >= n || b[i] !== QUOTE) return NOT_FAST;
    const keyEnd = stringEnd(b, i, n);
    if (keyEnd === NOT_FAST || !plainName(b, i, keyEnd)) return NOT_FAST;
    // The quoted names in code-unit order, as canonicalJson sorts them.
    if (prevStart >= 0 && compareBytes(b, prevStart, prevEnd, b, i, keyEnd) >= 0) return NOT_FAST;
    prevStart = i;
    prevEnd = keyEnd;
    if (!first) digest.addByte(0x2c);
    digest.addRange(b, i, keyEnd);
    i = skipSpace(b, keyEnd, n);
    if (b[i] !== 0x3a) return NOT_FAST;
    digest.addByte(0x3a);
    const valueEnd = fastValue(b, skipSpace(b, i + 1, n), n, depth, digest);
    if (valueEnd === NOT_FAST) return NOT_FAST;
    i = skipSpace(b, valueEnd, n);
    const c = b[i];
    if (c === 0x7d) {
      digest.addByte(0x7d);
      return i + 1;
    }
    if (c !== 0x2c) return NOT_FAST;
    i = skipSpace(b, i + 1, n);
  }
}

function fastArray(b: Uint8Array, i: number, n: number, depth: number, digest: Digest64): number {
  digest.addByte(0x5b);
  i = skipSpace(b, i + 1, n);
  if (b[i] === 0x5d) {
    digest.addByte(0x5d);
    return i + 1;
  }
  for (let first = true; ; first = false) {
    if (!first) digest.addByte(0x2c);
    const valueEnd = fastValue(b, i, n, depth, digest);
    if (valueEnd === NOT_FAST) return NOT_FAST;
    i = skipSpace(b, valueEnd, n);
    const c = b[i];
    if (c === 0x5d) {
      digest.addByte(0x5d);
      return i + 1;
    }
    if (c !== 0x2c) return NOT_FAST;
    i = skipSpace(b, i + 1, n);
  }
}
