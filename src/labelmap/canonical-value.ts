// The canonical form of one JSON value, used to decide whether two label-map values are "the same":
// whitespace outside strings removed, strings re-encoded the way JSON.stringify writes them (so
// "\u00e9" and "é" are equal), object members sorted by key (JSON objects are unordered; a repeated
// member keeps its last value, as JSON.parse does), arrays in order, numbers kept as written
// (1.0 and 1 differ: re-reading them as doubles would also make distinct large integers equal).
// It is also the validator of the raw values the tokenizer delimits: anything that is not exactly
// one RFC 8259 value throws LabelMapFormatError. Pure.
import { skipJsonSpace } from './json-whitespace.js';
import { LabelMapFormatError } from './tokenizer.js';

// A JSON number, matched at lastIndex.
export const NUMBER_RE = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
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
    this.i = skipJsonSpace(this.s, this.i);
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
