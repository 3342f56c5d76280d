// Go's bytes.TrimSpace over UTF-8 bytes, which git-lfs applies to a blob before reading it as a
// pointer: it trims Unicode White_Space (unicode.IsSpace) at both ends. A loop, not a regex: a
// regex's first run compiles it, ≈ 0.5 ms of every command that reads one pointer (issue 13).

// The length of the White_Space sequence starting at bytes[i], or 0.
function spaceAt(bytes: Uint8Array, i: number): number {
  const b = bytes[i];
  if (b === 0x20 || (b !== undefined && b >= 0x09 && b <= 0x0d)) return 1;
  const b1 = bytes[i + 1];
  if (b === 0xc2) return b1 === 0x85 || b1 === 0xa0 ? 2 : 0;
  const b2 = bytes[i + 2];
  if (b === 0xe1) return b1 === 0x9a && b2 === 0x80 ? 3 : 0;
  if (b === 0xe2 && b1 === 0x80) return b2 !== undefined && ((b2 >= 0x80 && b2 <= 0x8a) || b2 === 0xa8 || b2 === 0xa9 || b2 === 0xaf) ? 3 : 0;
  if (b === 0xe2) return b1 === 0x81 && b2 === 0x9f ? 3 : 0;
  if (b === 0xe3) return b1 === 0x80 && b2 === 0x80 ? 3 : 0;
  return 0;
}

// The length of the White_Space sequence ending just before bytes[end], or 0. A sequence's last
// bytes name it alone (no two of them end alike), so trimming from the end one sequence at a time
// trims what a left-to-right match of the whole space run would.
function spaceBefore(bytes: Uint8Array, start: number, end: number): number {
  for (const length of [1, 2, 3]) {
    if (end - length >= start && spaceAt(bytes, end - length) === length) return length;
  }
  return 0;
}

// [start, end) of the bytes without the White_Space at either end.
export function trimmedSpace(bytes: Uint8Array): [number, number] {
  let start = 0;
  let end = bytes.length;
  for (let n = spaceAt(bytes, start); n > 0 && start < end; n = spaceAt(bytes, start)) start += n;
  for (let n = spaceBefore(bytes, start, end); n > 0; n = spaceBefore(bytes, start, end)) end -= n;
  return [start, end];
}
