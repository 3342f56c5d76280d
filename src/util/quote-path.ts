// Paths printed for people, quoted exactly as git quotes them (quote.c quote_c_style): a name with
// a control character, `"`, `\`, DEL — or, with core.quotePath=true (git's default), any byte
// >= 0x80 — is printed in double quotes with C escapes, other bytes as 3-digit octal. A file name
// holding a terminal escape sequence or a newline then cannot repaint the terminal or forge a
// line of output. JSON output is never quoted this way: JSON escapes by itself.
import { bytesToPath, pathToBytes } from './path-bytes.js';

// The bytes git writes as a letter escape; any other escaped byte is 3-digit octal.
export const C_ESCAPES: Readonly<Record<number, string>> = {
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x22: '"',
  0x5c: '\\',
};

const needsEscape = (byte: number, quoteNonAscii: boolean): boolean =>
  byte < 0x20 || byte === 0x22 || byte === 0x5c || byte === 0x7f || (byte >= 0x80 && quoteNonAscii);

// `path` as lfs-lazy holds it (see path-bytes.ts). The result may hold escaped bytes (only with
// quoteNonAscii false): write it out with pathToBytes, so they reach the terminal as git's would.
export function quotePath(path: string, quoteNonAscii: boolean): string {
  const bytes = pathToBytes(path);
  if (!bytes.some((byte) => needsEscape(byte, quoteNonAscii))) return path;
  return bytesToPath(cQuoteBytes(bytes, quoteNonAscii));
}

// `bytes` in double quotes with git's C escapes, whether or not they need it (the hydrated set's
// quoted lines use this with quoteNonAscii on: pure ASCII out).
export function cQuoteBytes(bytes: Uint8Array, quoteNonAscii: boolean): Buffer {
  const out: number[] = [0x22];
  for (const byte of bytes) {
    if (!needsEscape(byte, quoteNonAscii)) out.push(byte);
    else {
      const escape = C_ESCAPES[byte] ?? byte.toString(8).padStart(3, '0');
      for (const c of `\\${escape}`) out.push(c.charCodeAt(0));
    }
  }
  out.push(0x22);
  return Buffer.from(out);
}

// core.quotePath from `git config -z --list` entries (keys come lower-cased), read as git reads a
// boolean; unset or unreadable: true, git's default.
export function quotePathSetting(config: ReadonlyArray<readonly [string, string]>): boolean {
  let value: string | undefined;
  for (const [key, v] of config) if (key === 'core.quotepath') value = v;
  if (value === undefined) return true;
  const text = value.trim().toLowerCase();
  if (text === 'false' || text === 'no' || text === 'off' || text === '') return false;
  if (/^-?[0-9]+$/.test(text)) return Number(text) !== 0;
  return true;
}

export type PathQuoter = (path: string) => string;

// How a command prints paths, from the repository's config (read once per command).
export function pathQuoter(config: ReadonlyArray<readonly [string, string]>): PathQuoter {
  const quoteNonAscii = quotePathSetting(config);
  return (path) => quotePath(path, quoteNonAscii);
}
