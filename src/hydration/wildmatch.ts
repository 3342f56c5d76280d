// Glob matching as git does it for a default pathspec (wildmatch without WM_PATHNAME or
// WM_CASEFOLD), on bytes: a file name is bytes to git, so `?` is one byte (`??.bin` matches
// `é.bin`, two bytes in UTF-8) and classes hold bytes. Written from git's documented behaviour and
// checked against `git ls-files` by the unit tests:
//   *        any run of bytes, `/` included (so `**` is just two of them)
//   ?        one byte, `/` included
//   \x       the byte x itself
//   [...]    one byte of a class; `[!...]` / `[^...]` one byte not in it. A `]` right after the
//            opening (or the negation) is a member; `\x` inside is x; `a-z` a range, whose first
//            byte is a member even when the range is reversed (git matches `z` with `[z-a]`);
//            `[:alpha:]` and the other POSIX classes, ASCII only as in git's own ctype.
// A pattern git can never match with (an unterminated class, an unknown class name, a trailing
// backslash) compiles to a glob that matches nothing, and says why; so does a reversed range,
// which git accepts but which is always a mistake.

type Token = { star: true } | { star: false; bytes: Uint8Array }; // bytes[b] = 1: b matches

export interface Glob {
  // Set when the pattern is malformed (one line for the user).
  problem: string | undefined;
  matches(text: Uint8Array): boolean;
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const BACKSLASH = 0x5c;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const COLON = 0x3a;
const DASH = 0x2d;
const BANG = 0x21;
const CARET = 0x5e;

const inRange = (lo: number, hi: number) => (b: number) => b >= lo && b <= hi;
const isDigit = inRange(0x30, 0x39);
const isUpper = inRange(0x41, 0x5a);
const isLower = inRange(0x61, 0x7a);
const isAlpha = (b: number) => isUpper(b) || isLower(b);
const isAlnum = (b: number) => isAlpha(b) || isDigit(b);
const isGraph = inRange(0x21, 0x7e);

// git's sane_ctype: note that its isspace() leaves out \v and \f.
const POSIX_CLASSES: Readonly<Record<string, (b: number) => boolean>> = {
  alnum: isAlnum,
  alpha: isAlpha,
  blank: (b) => b === 0x20 || b === 0x09,
  cntrl: (b) => b < 0x20 || b === 0x7f,
  digit: isDigit,
  graph: isGraph,
  lower: isLower,
  print: inRange(0x20, 0x7e),
  punct: (b) => isGraph(b) && !isAlnum(b),
  space: (b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d,
  upper: isUpper,
  xdigit: (b) => isDigit(b) || inRange(0x41, 0x46)(b) || inRange(0x61, 0x66)(b),
};

const NEVER: Glob = { problem: undefined, matches: () => false };

export function compileGlob(pattern: Uint8Array): Glob {
  const tokens: Token[] = [];
  let problem: string | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === STAR) {
      if (tokens.at(-1)?.star !== true) tokens.push({ star: true });
    } else if (c === QUESTION) {
      tokens.push({ star: false, bytes: new Uint8Array(256).fill(1) });
    } else if (c === BACKSLASH) {
      if (i + 1 === pattern.length) return { ...NEVER, problem: 'it ends with a lone backslash' };
      tokens.push(single(pattern[++i]!));
    } else if (c === OPEN) {
      const parsed = parseClass(pattern, i);
      if ('abort' in parsed) return { ...NEVER, problem: parsed.abort };
      problem ??= parsed.problem;
      tokens.push({ star: false, bytes: parsed.bytes });
      i = parsed.end;
    } else {
      tokens.push(single(c));
    }
  }
  return { problem, matches: (text) => matchTokens(tokens, text) };
}

function single(byte: number): Token {
  const bytes = new Uint8Array(256);
  bytes[byte] = 1;
  return { star: false, bytes };
}

// The class opening at `open`: its members, and the index of its closing `]`.
function parseClass(p: Uint8Array, open: number): { bytes: Uint8Array; end: number; problem: string | undefined } | { abort: string } {
  const unterminated = { abort: `the class opened by "[" at byte ${open + 1} is never closed by "]"` };
  const members = new Uint8Array(256);
  let problem: string | undefined;
  let i = open + 1;
  const negated = p[i] === BANG || p[i] === CARET;
  if (negated) i++;
  // The byte just added as a member, which a following `-` makes the start of a range.
  let previous: number | undefined;
  for (let first = true; ; first = false, i++) {
    let c = p[i];
    if (c === undefined) return unterminated;
    if (c === CLOSE && !first) break;
    if (c === BACKSLASH) {
      c = p[++i];
      if (c === undefined) return unterminated;
      members[c] = 1;
      previous = c;
    } else if (c === DASH && previous !== undefined && p[i + 1] !== undefined && p[i + 1] !== CLOSE) {
      let hi = p[++i]!;
      if (hi === BACKSLASH) {
        const escaped = p[++i];
        if (escaped === undefined) return unterminated;
        hi = escaped;
      }
      if (hi < previous) problem ??= `the range ${String.fromCharCode(previous)}-${String.fromCharCode(hi)} is reversed (git would match only "${String.fromCharCode(previous)}" with it)`;
      for (let b = previous; b <= hi; b++) members[b] = 1;
      previous = undefined;
    } else if (c === OPEN && p[i + 1] === COLON) {
      let close = i + 2;
      while (p[close] !== undefined && p[close] !== CLOSE) close++;
      if (p[close] === undefined) return unterminated;
      if (close - (i + 2) < 1 || p[close - 1] !== COLON) {
        // No `:]` before the next `]`: this `[` is an ordinary member.
        members[OPEN] = 1;
        previous = OPEN;
        continue;
      }
      const name = Buffer.from(p.subarray(i + 2, close - 1)).toString('latin1');
      const test = POSIX_CLASSES[name];
      if (test === undefined) return { abort: `[:${name}:] is not a character class (${Object.keys(POSIX_CLASSES).join(', ')})` };
      for (let b = 0; b < 256; b++) if (test(b)) members[b] = 1;
      previous = undefined;
      i = close;
    } else {
      members[c] = 1;
      previous = c;
    }
  }
  if (negated) for (let b = 0; b < 256; b++) members[b] = members[b] === 1 ? 0 : 1;
  return { bytes: members, end: i, problem };
}

// Whole-text match. A star matches any bytes at all, so the last star seen is the only one that
// ever needs to take more: on a mismatch it grows by one byte and the rest is tried again.
function matchTokens(tokens: readonly Token[], text: Uint8Array): boolean {
  let p = 0;
  let t = 0;
  let starAt = -1;
  let starText = 0;
  while (t < text.length) {
    const token = tokens[p];
    if (token?.star === true) {
      starAt = p++;
      starText = t;
    } else if (token !== undefined && token.bytes[text[t]!] === 1) {
      p++;
      t++;
    } else if (starAt >= 0) {
      p = starAt + 1;
      t = ++starText;
    } else {
      return false;
    }
  }
  while (tokens[p]?.star === true) p++;
  return p === tokens.length;
}
