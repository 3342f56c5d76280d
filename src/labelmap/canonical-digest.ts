// digest64(canonicalJson(raw)) without building the canonical text: the usual label value
// (`{"label": "speech", "speaker": 17}`, members already sorted, no escapes) is hashed straight
// from the raw text, which is most of what makes merge and diff of a million-entry map fast. Any
// value the fast path does not take on (an object whose members are not in canonical order, a
// string with escapes, nesting deeper than FAST_DEPTH, anything invalid) goes to the general
// path, which also reports invalid input. Pure.
import { canonicalJson, NUMBER_RE } from './canonical-value.js';
import { Digest64, digest64 } from './digest64.js';
import { skipJsonSpace } from './json-whitespace.js';

// What the fast path returns, instead of an index, for a value it leaves to the general path.
const NOT_FAST = -1;
// The fast path recurses; past this depth (far beyond any usual label value) the general path,
// which keeps its nesting on the heap, takes over, so no depth overflows the native stack.
const FAST_DEPTH = 64;

// Writes the digest of the canonical text of `raw` to out[index], out[index + 1]. Throws
// LabelMapFormatError for invalid JSON, like canonicalJson.
export function canonicalDigest(raw: string, out: Uint32Array, index: number): void {
  const digest = new Digest64();
  const end = fastValue(raw, skipJsonSpace(raw, 0), 0, digest);
  if (end !== NOT_FAST && skipJsonSpace(raw, end) === raw.length) digest.finish(out, index);
  else digest64(canonicalJson(raw), out, index);
}

// Hashes the canonical text of the value at `i`; returns the index after it, or NOT_FAST.
function fastValue(s: string, i: number, depth: number, digest: Digest64): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) {
    const end = stringEnd(s, i);
    if (end === NOT_FAST) return NOT_FAST;
    digest.addRange(s, i, end);
    return end;
  }
  if (c === 0x7b || c === 0x5b) {
    if (depth === FAST_DEPTH) return NOT_FAST;
    return c === 0x7b ? fastObject(s, i, depth + 1, digest) : fastArray(s, i, depth + 1, digest);
  }
  // number or literal: the longest run of characters that can appear in one, checked below
  let j = i;
  for (;;) {
    const d = s.charCodeAt(j);
    if ((d >= 0x30 && d <= 0x39) || d === 0x2d || d === 0x2b || d === 0x2e || (d >= 0x61 && d <= 0x7a) || d === 0x45) j++;
    else break;
  }
  if (j === i) return NOT_FAST;
  if (c >= 0x61) {
    const word = s.slice(i, j);
    if (word !== 'true' && word !== 'false' && word !== 'null') return NOT_FAST;
  } else {
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(s);
    if (!m || m[0].length !== j - i) return NOT_FAST;
  }
  digest.addRange(s, i, j);
  return j;
}

// End (after the closing quote) of an escape-free string without control characters, else NOT_FAST.
function stringEnd(s: string, i: number): number {
  for (let j = i + 1; ; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20 || c === 0x5c || Number.isNaN(c)) return NOT_FAST;
  }
}

function fastObject(s: string, i: number, depth: number, digest: Digest64): number {
  digest.addChar(0x7b);
  i = skipJsonSpace(s, i + 1);
  if (s.charCodeAt(i) === 0x7d) {
    digest.addChar(0x7d);
    return i + 1;
  }
  let prevStart = -1;
  let prevEnd = -1;
  for (let first = true; ; first = false) {
    if (s.charCodeAt(i) !== 0x22) return NOT_FAST;
    const keyEnd = stringEnd(s, i);
    if (keyEnd === NOT_FAST) return NOT_FAST;
    if (prevStart >= 0 && compareRanges(s, prevStart, prevEnd, i, keyEnd) >= 0) return NOT_FAST;
    prevStart = i;
    prevEnd = keyEnd;
    if (!first) digest.addChar(0x2c);
    digest.addRange(s, i, keyEnd);
    i = skipJsonSpace(s, keyEnd);
    if (s.charCodeAt(i) !== 0x3a) return NOT_FAST;
    digest.addChar(0x3a);
    const valueEnd = fastValue(s, skipJsonSpace(s, i + 1), depth, digest);
    if (valueEnd === NOT_FAST) return NOT_FAST;
    i = skipJsonSpace(s, valueEnd);
    const c = s.charCodeAt(i);
    if (c === 0x7d) {
      digest.addChar(0x7d);
      return i + 1;
    }
    if (c !== 0x2c) return NOT_FAST;
    i = skipJsonSpace(s, i + 1);
  }
}

function fastArray(s: string, i: number, depth: number, digest: Digest64): number {
  digest.addChar(0x5b);
  i = skipJsonSpace(s, i + 1);
  if (s.charCodeAt(i) === 0x5d) {
    digest.addChar(0x5d);
    return i + 1;
  }
  for (let first = true; ; first = false) {
    if (!first) digest.addChar(0x2c);
    const valueEnd = fastValue(s, i, depth, digest);
    if (valueEnd === NOT_FAST) return NOT_FAST;
    i = skipJsonSpace(s, valueEnd);
    const c = s.charCodeAt(i);
    if (c === 0x5d) {
      digest.addChar(0x5d);
      return i + 1;
    }
    if (c !== 0x2c) return NOT_FAST;
    i = skipJsonSpace(s, i + 1);
  }
}

// Code-unit order of two substrings, as `<` orders the strings.
function compareRanges(s: string, a: number, aEnd: number, b: number, bEnd: number): number {
  const n = Math.min(aEnd - a, bEnd - b);
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(a + k) - s.charCodeAt(b + k);
    if (d !== 0) return d;
  }
  return aEnd - a - (bEnd - b);
}
