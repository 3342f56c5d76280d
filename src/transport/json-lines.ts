// Newline-delimited framing over byte streams: stdin → lines (answers go out through
// ordered-writer.ts, one encoded line per write).
import { ProtocolError } from '../errors/index.js';

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;

// `head`: the first bytes of a line that was too long, so a caller can still tell what it was.
export type LineItem = { readonly line: string } | { readonly error: ProtocolError; readonly head: string };

const HEAD_BYTES = 4096;

const NEWLINE = 0x0a;
const CR = 0x0d;

// Splits on bytes, not characters, so a multi-byte UTF-8 sequence cut between chunks decodes
// whole. A line longer than `maxLineBytes` is reported once and its bytes dropped up to the next
// newline, instead of growing memory without bound.
export async function* readLines(
  input: AsyncIterable<Buffer | string>,
  options: { maxLineBytes?: number } = {},
): AsyncGenerator<LineItem> {
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let parts: Buffer[] = [];
  let buffered = 0;
  let discarding = false;

  const takeLine = (tail: Buffer): LineItem => {
    let bytes = parts.length === 0 ? tail : Buffer.concat([...parts, tail]);
    parts = [];
    buffered = 0;
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, -1);
    return { line: bytes.toString('utf8') };
  };
  const oversized = (tail: Buffer): LineItem => {
    const head: Buffer[] = [];
    let length = 0;
    for (const part of [...parts, tail]) {
      if (length >= HEAD_BYTES) break;
      head.push(part.subarray(0, HEAD_BYTES - length));
      length += head[head.length - 1]!.length;
    }
    parts = [];
    buffered = 0;
    return { error: new ProtocolError(`input line longer than ${max} bytes; dropped it`), head: Buffer.concat(head).toString('utf8') };
  };

  for await (const chunk of input) {
    let data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    for (let nl = data.indexOf(NEWLINE); nl !== -1; nl = data.indexOf(NEWLINE)) {
      const tail = data.subarray(0, nl);
      data = data.subarray(nl + 1);
      if (discarding) {
        discarding = false;
      } else if (buffered + tail.length > max) {
        yield oversized(tail);
      } else {
        yield takeLine(tail);
      }
    }
    if (discarding || data.length === 0) continue;
    if (buffered + data.length > max) {
      discarding = true;
      yield oversized(data);
    } else {
      parts.push(data);
      buffered += data.length;
    }
  }
  if (!discarding && buffered > 0) yield takeLine(Buffer.alloc(0));
}
