// JSON's insignificant whitespace (RFC 8259 §2: space, tab, line feed, carriage return), the one
// definition the byte scanners (json-bytes.ts) and the canonicaliser of text share.

export function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

// The index of the first character at or after `i` that is not whitespace (s.length at the end).
export function skipJsonSpace(s: string, i: number): number {
  while (isJsonSpace(s.charCodeAt(i))) i++;
  return i;
}
