// The canonical form of one JSON value, used to decide whether two label-map values are "the same":
// whitespace outside strings removed, strings re-encoded the way JSON.stringify writes them (so
// "\u00e9" and "é" are equal), object members sorted by key (JSON objects are unordered; a repeated
// member keeps its last value, as JSON.parse does), arrays in order, numbers kept as written
// (1.0 and 1 differ: re-reading them as doubles would also make distinct large integers equal).
// It is also the validator of the raw values the tokenizer delimits: anything that is not exactly
// one RFC 8259 value throws LabelMapFormatError. Pure.
import { LabelMapFormatError } from './tokenizer.js';

const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const CONTROL_RE = /[\u0000-\u001f]/;

// A container whose closing bracket has not been read yet. Nesting is kept on an explicit stack,
// not the native one: a value nested 100 000 levels deep is valid JSON, and must neither overflow
// the call stack nor be refused.
type Open = { array: true; out: string; first: boolean } | { array: false; members: Array<[string, string]>; key: string; sorted: boolean };

class Canonicaliser {
  private i = 0;
  constructor(private readonly s: string) {}

  run(): string {
    const open: Open[] = [];
    for (;;) {
      // A value starts here: a container opens (its first value follows), or a whole value is read.
      let value = this.valueOrOpen(open);
      if (value === undefined) continue;
      // Hand the finished value to the container around it; each container it completes is in
      // turn a finished value for the one around that.
      for (;;) {
        const top = open[open.length - 1];
        if (top === undefined) {
          this.space();
          if (this.i !== this.s.length) this.fail('unexpected text after the value');
          return value;
        }
        if (top.array) {
          top.out += (top.first ? '' : ',') + value;
          top.first = false;
        } else {
          const last = top.members[top.members.length - 1];
          if (last !== undefined && last[0] >= top.key) top.sorted = false;
          top.members.push([top.key, value]);
        }
        this.space();
        const c = this.s.charCodeAt(this.i++);
        if (c === 0x2c) {
          if (!top.array) top.key = this.memberName();
          break; // the next value of this container
        }
        if (top.array ? c !== 0x5d : c !== 0x7d) this.fail(top.array ? 'expected "," or "]" in an array' : 'expected "," or "}" in an object');
        open.pop();
        value = top.array ? top.out + ']' : closeObject(top.members, top.sorted);
      }
    }
  }

  // The canonical text of the scalar or empty container at the cursor; undefined when a non-empty
  // container opened instead (pushed onto `open`, positioned at its first value).
  private valueOrOpen(open: Open[]): string | undefined {
    this.space();
    const c = this.s.charCodeAt(this.i);
    switch (c) {
      case 0x22:
        return this.string();
      case 0x7b:
        this.i++;
        this.space();
        if (this.s.charCodeAt(this.i) === 0x7d) {
          this.i++;
          return '{}';
        }
        open.push({ array: false, members: [], key: this.memberName(), sorted: true });
        return undefined;
      case 0x5b:
        this.i++;
        this.space();
        if (this.s.charCodeAt(this.i) === 0x5d) {
          this.i++;
          return '[]';
        }
        open.push({ array: true, out: '[', first: true });
        return undefined;
      case 0x74:
        return this.literal('true');
      case 0x66:
        return this.literal('false');
      case 0x6e:
        return this.literal('null');
      default: {
        NUMBER_RE.lastIndex = this.i;
        const m = NUMBER_RE.exec(this.s);
        if (!m) return this.fail(Number.isNaN(c) ? 'missing value' : `unexpected ${JSON.stringify(this.s.charAt(this.i))}`);
        this.i += m[0].length;
        return m[0];
      }
    }
  }

  // `"name" :` — returns the name's canonical text, the cursor left at the value.
  private memberName(): string {
    this.space();
    if (this.s.charCodeAt(this.i) !== 0x22) this.fail('expected a member name');
    const key = this.string();
    this.space();
    if (this.s.charCodeAt(this.i) !== 0x3a) this.fail('expected ":"');
    this.i++;
    return key;
  }

  private space(): void {
    const s = this.s;
    let c = s.charCodeAt(this.i);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.i);
  }

  private literal(word: string): string {
    if (!this.s.startsWith(word, this.i)) this.fail(`unexpected ${JSON.stringify(this.s.slice(this.i, this.i + word.length))}`);
    this.i += word.length;
    return word;
  }

  private string(): string {
    const s = this.s;
    const start = this.i;
    let i = start + 1;
    let escapes = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 0x22) break;
      if (Number.isNaN(c)) return this.fail('unterminated string');
      if (c === 0x5c) {
        escapes = true;
        i++;
      }
      i++;
    }
    i++;
    this.i = i;
    const token = s.slice(start, i);
    if (!escapes) {
      if (CONTROL_RE.test(token)) this.fail('control character in a string');
      return token;
    }
    try {
      return JSON.stringify(JSON.parse(token) as string);
    } catch {
      return this.fail(`invalid string ${token.slice(0, 40)}`);
    }
  }

  private fail(message: string): never {
    throw new LabelMapFormatError(`invalid JSON value ${JSON.stringify(this.s.slice(0, 60))}${this.s.length > 60 ? '…' : ''}: ${message}`);
  }
}

// The canonical text of an object from its members' canonical (name, value) texts.
function closeObject(members: Array<[string, string]>, sorted: boolean): string {
  if (!sorted) {
    // Stable sort, then the last of equal keys wins.
    members.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    for (let k = members.length - 1; k > 0; k--) {
      if (members[k - 1]![0] === members[k]![0]) members.splice(k - 1, 1);
    }
  }
  let out = '{';
  for (let k = 0; k < members.length; k++) {
    const [key, value] = members[k]!;
    out += (k === 0 ? '' : ',') + key + ':' + value;
  }
  return out + '}';
}

// Canonical text of one raw JSON value. Throws LabelMapFormatError when it is not valid JSON.
export function canonicalJson(raw: string): string {
  return new Canonicaliser(raw).run();
}

// A 64-bit digest of a string as two unsigned 32-bit halves: two multiplicative lanes over the
// UTF-16 code units, cross-mixed with the length at the end (the "cyrb53" construction, kept at 64
// bits). Not cryptographic: label-map merge and diff compare digests of canonical values, where a
// false "equal" needs a 2^-64 coincidence between a value and the one it replaced.
let h1 = 0;
let h2 = 0;
let hashed = 0;

function hashStart(): void {
  h1 = 0xdeadbeef;
  h2 = 0x41c6ce57;
  hashed = 0;
}

function hashRange(s: string, start: number, end: number): void {
  let a = h1;
  let b = h2;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  h1 = a;
  h2 = b;
  hashed += end - start;
}

function hashChar(c: number): void {
  h1 = Math.imul(h1 ^ c, 2654435761);
  h2 = Math.imul(h2 ^ c, 1597334677);
  hashed++;
}

function hashEnd(out: Uint32Array, index: number): void {
  let a = h1 ^ hashed;
  let b = h2 ^ hashed;
  a = Math.imul(a ^ (a >>> 16), 2246822507);
  a ^= Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507);
  b ^= Math.imul(a ^ (a >>> 13), 3266489909);
  out[index] = a >>> 0;
  out[index + 1] = b >>> 0;
}

export function digest64(s: string, out: Uint32Array, index: number): void {
  hashStart();
  hashRange(s, 0, s.length);
  hashEnd(out, index);
}

// Thrown inside the fast path when a value needs the general one (an object whose members are not
// in canonical order, a key with escapes, or nesting deeper than FAST_DEPTH).
const SLOW = Symbol('slow');
// The fast path recurses; past this depth (far beyond any usual label value) the general path,
// which keeps its nesting on the heap, takes over, so no depth overflows the native stack.
const FAST_DEPTH = 64;

// digest64(canonicalJson(raw)) without building the canonical text: the usual label value
// (`{"label": "speech", "speaker": 17}`, members already sorted) is hashed straight from the raw
// text. Throws LabelMapFormatError for invalid JSON, like canonicalJson.
export function canonicalDigest(raw: string, out: Uint32Array, index: number): void {
  hashStart();
  try {
    const end = fastValue(raw, skipSpace(raw, 0), 0);
    if (skipSpace(raw, end) !== raw.length) throw SLOW;
  } catch (err) {
    if (err !== SLOW) throw err;
    digest64(canonicalJson(raw), out, index); // also the one place invalid input is reported
    return;
  }
  hashEnd(out, index);
}

function skipSpace(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++i);
  return i;
}

// Hashes the canonical text of the value at `i`; returns the index after it. Anything unusual or
// invalid throws SLOW, and the general path decides.
function fastValue(s: string, i: number, depth: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) {
    const end = stringEnd(s, i);
    if (end < 0) throw SLOW;
    hashRange(s, i, end);
    return end;
  }
  if (c === 0x7b || c === 0x5b) {
    if (depth === FAST_DEPTH) throw SLOW;
    return c === 0x7b ? fastObject(s, i, depth + 1) : fastArray(s, i, depth + 1);
  }
  // number or literal: the longest run of characters that can appear in one, checked below
  let j = i;
  for (;;) {
    const d = s.charCodeAt(j);
    if ((d >= 0x30 && d <= 0x39) || d === 0x2d || d === 0x2b || d === 0x2e || (d >= 0x61 && d <= 0x7a) || d === 0x45) j++;
    else break;
  }
  if (j === i) throw SLOW;
  if (c >= 0x61) {
    const word = s.slice(i, j);
    if (word !== 'true' && word !== 'false' && word !== 'null') throw SLOW;
  } else {
    NUMBER_RE.lastIndex = i;
    const m = NUMBER_RE.exec(s);
    if (!m || m[0].length !== j - i) throw SLOW;
  }
  hashRange(s, i, j);
  return j;
}

// End (after the closing quote) of an escape-free string without control characters, else -1.
function stringEnd(s: string, i: number): number {
  for (let j = i + 1; ; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20 || c === 0x5c || Number.isNaN(c)) return -1;
  }
}

function fastObject(s: string, i: number, depth: number): number {
  hashChar(0x7b);
  i = skipSpace(s, i + 1);
  if (s.charCodeAt(i) === 0x7d) {
    hashChar(0x7d);
    return i + 1;
  }
  let prevStart = -1;
  let prevEnd = -1;
  for (let first = true; ; first = false) {
    if (s.charCodeAt(i) !== 0x22) throw SLOW;
    const keyEnd = stringEnd(s, i);
    if (keyEnd < 0) throw SLOW;
    if (prevStart >= 0 && compareRanges(s, prevStart, prevEnd, i, keyEnd) >= 0) throw SLOW;
    prevStart = i;
    prevEnd = keyEnd;
    if (!first) hashChar(0x2c);
    hashRange(s, i, keyEnd);
    i = skipSpace(s, keyEnd);
    if (s.charCodeAt(i) !== 0x3a) throw SLOW;
    hashChar(0x3a);
    i = skipSpace(s, fastValue(s, skipSpace(s, i + 1), depth));
    const c = s.charCodeAt(i);
    if (c === 0x7d) {
      hashChar(0x7d);
      return i + 1;
    }
    if (c !== 0x2c) throw SLOW;
    i = skipSpace(s, i + 1);
  }
}

function fastArray(s: string, i: number, depth: number): number {
  hashChar(0x5b);
  i = skipSpace(s, i + 1);
  if (s.charCodeAt(i) === 0x5d) {
    hashChar(0x5d);
    return i + 1;
  }
  for (let first = true; ; first = false) {
    if (!first) hashChar(0x2c);
    i = skipSpace(s, fastValue(s, i, depth));
    const c = s.charCodeAt(i);
    if (c === 0x5d) {
      hashChar(0x5d);
      return i + 1;
    }
    if (c !== 0x2c) throw SLOW;
    i = skipSpace(s, i + 1);
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
