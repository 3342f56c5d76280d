// The text form of one rule of the hydration policy, as the hydrated set file stores it and as
// `hydrate =` lines in .lfslazyconfig and LFS_LAZY_HYDRATE give it:
//   pattern      selects;  !pattern   takes back out (dehydrate writes these);
//   "…"          a pattern in git's C-quoted form (quote_c_style: \n \t \" \\ …, \NNN for any
//                other byte), for a name that would otherwise be misread: a leading `#` (a
//                comment), `!` (an exclusion) or `"`, a newline or other control byte, bytes that
//                are not UTF-8, leading or trailing blanks. `!"…"` excludes such a pattern.
// Only what needs it is quoted, so the file stays what it always was for ordinary names: files
// written before quoting existed read the same.
import { isUtf8 } from 'node:buffer';
import { bytesToPath, pathToBytes } from '../util/path-bytes.js';
import { C_ESCAPES, cQuoteBytes } from '../util/quote-path.js';
import type { Rule } from './pathspec-match.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const UNESCAPE: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(C_ESCAPES).map(([byte, letter]) => [letter, Number(byte)]));

export function formatRule(rule: Rule): string {
  return `${rule.exclude ? '!' : ''}${formatPattern(rule.pattern)}`;
}

function formatPattern(pattern: string): string {
  const bytes = pathToBytes(pattern);
  const needsQuotes = pattern === '' || /^[#!"]|^\s|\s$/.test(pattern) || bytes.some((b) => b < 0x20 || b === 0x7f) || !isUtf8(bytes);
  return needsQuotes ? cQuote(bytes) : pattern;
}

// git's quote_c_style with core.quotePath on: pure ASCII out.
export function cQuote(bytes: Uint8Array): string {
  return cQuoteBytes(bytes, true).toString('latin1');
}

// The bytes a C-quoted string stands for, or undefined when `text` is not exactly one such string.
export function cUnquote(text: Uint8Array): Buffer | undefined {
  if (text.length < 2 || text[0] !== QUOTE || text[text.length - 1] !== QUOTE) return undefined;
  const out: number[] = [];
  for (let i = 1; i < text.length - 1; i++) {
    const b = text[i]!;
    if (b === QUOTE) return undefined;
    if (b !== BACKSLASH) {
      out.push(b);
      continue;
    }
    const next = text[++i];
    if (next === undefined || i === text.length - 1) return undefined;
    const named = UNESCAPE[String.fromCharCode(next)];
    if (named !== undefined) {
      out.push(named);
      continue;
    }
    const octal = Buffer.from(text.subarray(i, i + 3)).toString('latin1');
    if (!/^[0-3][0-7][0-7]$/.test(octal)) return undefined;
    out.push(Number.parseInt(octal, 8));
    i += 2;
  }
  return Buffer.from(out);
}

// One line (without its newline) or one configured value. Text that only looks quoted (an
// unbalanced `"`, written before quoting existed) is taken as it is.
export function parseRule(line: Uint8Array | string): Rule {
  const bytes = typeof line === 'string' ? pathToBytes(line) : Buffer.from(line);
  const exclude = bytes[0] === 0x21;
  const body = exclude ? bytes.subarray(1) : bytes;
  const unquoted = body[0] === QUOTE ? cUnquote(body) : undefined;
  return { pattern: bytesToPath(unquoted ?? body), exclude };
}
