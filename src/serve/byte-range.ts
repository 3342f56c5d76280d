// The `Range` header of a GET, decided against the size of the file (pure). RFC 9110 §14 and what
// S3 does, which agree on every case here:
// - no header, a unit other than `bytes`, or a header that does not parse: the whole file (200);
// - several ranges: the whole file (200) — a server may ignore Range (RFC 9110 §14.2), and a
//   multipart/byteranges answer is something few readers want;
// - `bytes=a-b`: a to min(b, size-1); `bytes=a-`: a to the end; `bytes=-n`: the last n bytes
//   (all of them when n >= size) — 206;
// - a first byte at or past the end, `bytes=-0`, or any range of an empty file: 416 with
//   `Content-Range: bytes */<size>`.
export type RangeDecision =
  | { kind: 'whole' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

// Digits beyond this many could lose precision as a Number; such a position is past any file.
const MAX_DIGITS = 15;

export function decideRange(header: string | undefined, size: number): RangeDecision {
  if (header === undefined) return { kind: 'whole' };
  const match = /^\s*bytes\s*=\s*(.*)$/i.exec(header);
  if (!match) return { kind: 'whole' };
  // A list: empty elements (", ,") are allowed and mean nothing (RFC 9110 §5.6.1).
  const specs = match[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length !== 1) return { kind: 'whole' };
  const spec = /^(\d*)-(\d*)$/.exec(specs[0]!);
  if (!spec) return { kind: 'whole' };
  const [, first = '', last = ''] = spec;

  if (first === '') {
    // A suffix: the last n bytes.
    if (last === '') return { kind: 'whole' };
    const length = position(last);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 };
  }
  const start = position(first);
  const end = last === '' ? Infinity : position(last);
  // first > last is not a range at all: ignored, like any header that does not parse.
  if (end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}

function position(digits: string): number {
  const trimmed = digits.replace(/^0+(?=\d)/, '');
  return trimmed.length > MAX_DIGITS ? Infinity : Number(trimmed);
}

// The `Content-Range` of a 206 or a 416 answer.
export function contentRange(decision: RangeDecision, size: number): string | undefined {
  if (decision.kind === 'partial') return `bytes ${decision.start}-${decision.end}/${size}`;
  if (decision.kind === 'unsatisfiable') return `bytes */${size}`;
  return undefined;
}
