// JSON grammar over UTF-8 bytes, for the label-map scanner: whitespace, strings, and whole values
// validated as they are delimited (RFC 8259), without decoding anything. Each scanner works on a
// buffer that may end in the middle of a token: it then returns NEED_MORE and the caller rescans
// from the token's start once more bytes have arrived. Pure.
import { isJsonSpace } from './json-whitespace.js';

// Returned instead of an index when the buffer ends before the token does.
export const NEED_MORE = -1;

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;

export function skipSpace(b: Uint8Array, i: number, n: number): number {
  while (i < n && isJsonSpace(b[i]!)) i++;
  return i;
}

// Where a token failed, as an offset into the buffer, with what was wrong.
export class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const isHex = (c: number): boolean => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);

// Index after the string whose opening quote is at `i`. `escapes[0]` is set to 1 when it holds a
// backslash. Control characters and invalid escapes are refused.
export function scanString(b: Uint8Array, i: number, n: number, escapes?: Uint8Array): number {
  let j = i + 1;
  for (;;) {
    if (j >= n) return NEED_MORE;
    const c = b[j]!;
    if (c === QUOTE) return j + 1;
    if (c < 0x20) throw new JsonSyntaxError('control character in a string', j);
    if (c === BACKSLASH) {
      if (escapes) escapes[0] = 1;
      if (j + 1 >= n) return NEED_MORE;
      const e = b[j + 1]!;
      if (e === 0x75) {
        if (j + 6 > n) return NEED_MORE;
        for (let k = j + 2; k < j + 6; k++) if (!isHex(b[k]!)) throw new JsonSyntaxError('invalid \\u escape in a string', j);
        j += 6;
        continue;
      }
      // " \ / b f n r t
      if (e !== 0x22 && e !== 0x5c && e !== 0x2f && e !== 0x62 && e !== 0x66 && e !== 0x6e && e !== 0x72 && e !== 0x74) {
        throw new JsonSyntaxError('invalid escape in a string', j);
      }
      j += 2;
      continue;
    }
    j++;
  }
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;

// Index after the number at `i` (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?). A number that
// reaches the end of the buffer may go on: NEED_MORE.
function scanNumber(b: Uint8Array, i: number, n: number): number {
  let j = i;
  if (b[j] === 0x2d) j++;
  if (j >= n) return NEED_MORE;
  if (b[j] === 0x30) j++;
  else if (isDigit(b[j]!)) while (j < n && isDigit(b[j]!)) j++;
  else throw new JsonSyntaxError('invalid number', i);
  if (j >= n) return NEED_MORE;
  if (b[j] === 0x2e) {
    j++;
    if (j >= n) return NEED_MORE;
    if (!isDigit(b[j]!)) throw new JsonSyntaxError('invalid number', i);
    while (j < n && isDigit(b[j]!)) j++;
    if (j >= n) return NEED_MORE;
  }
  if ((b[j]! | 0x20) === 0x65) {
    j++;
    if (j >= n) return NEED_MORE;
    if (b[j] === 0x2b || b[j] === 0x2d) j++;
    if (j >= n) return NEED_MORE;
    if (!isDigit(b[j]!)) throw new JsonSyntaxError('invalid number', i);
    while (j < n && isDigit(b[j]!)) j++;
    if (j >= n) return NEED_MORE;
  }
  return j;
}

const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6c, 0x73, 0x65];
const NULL = [0x6e, 0x75, 0x6c, 0x6c];

function scanLiteral(b: Uint8Array, i: number, n: number, word: number[]): number {
  for (let k = 0; k < word.length; k++) {
    if (i + k >= n) return NEED_MORE;
    if (b[i + k] !== word[k]) throw new JsonSyntaxError('invalid literal', i);
  }
  return i + word.length;
}

const ARRAY = 1;
const OBJECT = 2;

// The open containers of the value being scanned: an explicit stack, not the native one, so that a
// value nested 100 000 levels deep is valid JSON and never overflows the call stack.
export class ContainerStack {
  private kinds = new Uint8Array(64);
  depth = 0;

  push(kind: number): void {
    if (this.depth === this.kinds.length) {
      const grown = new Uint8Array(this.kinds.length * 2);
      grown.set(this.kinds);
      this.kinds = grown;
    }
    this.kinds[this.depth++] = kind;
  }

  get top(): number {
    return this.kinds[this.depth - 1]!;
  }
}

// `"name" :` at `i` (after whitespace); the index after the colon.
function scanMemberName(b: Uint8Array, i: number, n: number): number {
  i = skipSpace(b, i, n);
  if (i >= n) return NEED_MORE;
  if (b[i] !== QUOTE) throw new JsonSyntaxError('expected a member name', i);
  i = scanString(b, i, n);
  if (i === NEED_MORE) return NEED_MORE;
  i = skipSpace(b, i, n);
  if (i >= n) return NEED_MORE;
  if (b[i] !== 0x3a) throw new JsonSyntaxError('expected ":"', i);
  return i + 1;
}

const NOT_FLAT = -2;

// The usual label value, an object of strings, numbers and literals (`{"label": "speech",
// "speaker": 17}`), validated without the container stack; NOT_FLAT for anything else (nesting, or
// whatever the general scanner must look at, errors included).
function scanFlatObject(b: Uint8Array, i: number, n: number): number {
  let j = skipSpace(b, i + 1, n);
  if (j >= n) return NEED_MORE;
  if (b[j] === 0x7d) return j + 1;
  for (;;) {
    if (b[j] !== QUOTE) return NOT_FLAT;
    j = scanString(b, j, n);
    if (j === NEED_MORE) return NEED_MORE;
    j = skipSpace(b, j, n);
    if (j >= n) return NEED_MORE;
    if (b[j] !== 0x3a) return NOT_FLAT;
    j = skipSpace(b, j + 1, n);
    if (j >= n) return NEED_MORE;
    const c = b[j]!;
    if (c === QUOTE) j = scanString(b, j, n);
    else if (c === 0x2d || isDigit(c)) j = scanNumber(b, j, n);
    else if (c === 0x74) j = scanLiteral(b, j, n, TRUE);
    else if (c === 0x66) j = scanLiteral(b, j, n, FALSE);
    else if (c === 0x6e) j = scanLiteral(b, j, n, NULL);
    else return NOT_FLAT;
    if (j === NEED_MORE) return NEED_MORE;
    j = skipSpace(b, j, n);
    if (j >= n) return NEED_MORE;
    const d = b[j]!;
    if (d === 0x7d) return j + 1;
    if (d !== 0x2c) return NOT_FLAT;
    j = skipSpace(b, j + 1, n);
    if (j >= n) return NEED_MORE;
  }
}

// Index after the one whole JSON value that starts at `i` (no leading whitespace), validated.
export function scanValue(b: Uint8Array, i: number, n: number, stack: ContainerStack): number {
  if (b[i] === 0x7b) {
    const flat = scanFlatObject(b, i, n);
    if (flat !== NOT_FLAT) return flat;
  }
  stack.depth = 0;
  for (;;) {
    // One value: a scalar, an empty container, or a container opening (its first value follows).
    i = skipSpace(b, i, n);
    if (i >= n) return NEED_MORE;
    const c = b[i]!;
    if (c === QUOTE) {
      i = scanString(b, i, n);
    } else if (c === 0x7b || c === 0x5b) {
      const j = skipSpace(b, i + 1, n);
      if (j >= n) return NEED_MORE;
      if (b[j] === (c === 0x7b ? 0x7d : 0x5d)) {
        i = j + 1;
      } else {
        stack.push(c === 0x7b ? OBJECT : ARRAY);
        i = c === 0x7b ? scanMemberName(b, j, n) : j;
        if (i === NEED_MORE) return NEED_MORE;
        continue;
      }
    } else if (c === 0x2d || isDigit(c)) {
      i = scanNumber(b, i, n);
    } else if (c === 0x74) {
      i = scanLiteral(b, i, n, TRUE);
    } else if (c === 0x66) {
      i = scanLiteral(b, i, n, FALSE);
    } else if (c === 0x6e) {
      i = scanLiteral(b, i, n, NULL);
    } else {
      throw new JsonSyntaxError(`unexpected ${JSON.stringify(String.fromCharCode(c))}`, i);
    }
    if (i === NEED_MORE) return NEED_MORE;
    // The value is complete: close every container it completes.
    for (;;) {
      if (stack.depth === 0) return i;
      i = skipSpace(b, i, n);
      if (i >= n) return NEED_MORE;
      const d = b[i]!;
      const kind = stack.top;
      if (d === 0x2c) {
        i = kind === OBJECT ? scanMemberName(b, i + 1, n) : i + 1;
        if (i === NEED_MORE) return NEED_MORE;
        break;
      }
      if (d !== (kind === OBJECT ? 0x7d : 0x5d)) throw new JsonSyntaxError(kind === OBJECT ? 'expected "," or "}" in an object' : 'expected "," or "]" in an array', i);
      stack.depth--;
      i++;
    }
  }
}

// Byte order of two ranges (memcmp, then length): for UTF-8 text, the order of code points.
export function compareBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const la = ae - as;
  const lb = be - bs;
  const len = la < lb ? la : lb;
  for (let k = 0; k < len; k++) {
    const d = a[as + k]! - b[bs + k]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

export function sameBytes(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let k = 0; k < ae - as; k++) if (a[as + k] !== b[bs + k]) return false;
  return true;
}

