// What the batch modes write for each request (docs/training.md, "Batch mode").
//
// Text (the default): a request is echoed as the exact bytes it came as, so a client compares
// bytes with what it sent and no name is ever re-encoded or quoted.
//   path --batch:  <local path>LF                      or  <request> error <message>LF
//   cat --batch:   <request> <size>LF<size bytes>LF    or  <request> error <message>LF
// With -z every LF above is a NUL instead (input and output alike), so a name holding a line
// break is carried whole.
// --json: one JSON object per answer, on one line (LF-terminated, -z or not: JSON escapes a line
// break itself): {"path","size","localPath"} or {"path","error"}; `cat` follows a success with
// the size bytes and an LF. Names in JSON are strings; a byte that is not UTF-8 is the lone
// surrogate U+DC80–U+DCFF, written `\udcXX` (what Python's os.fsdecode makes of it:
// os.fsencode gives the bytes back).
import { bytesToPath, pathToBytes } from '../util/path-bytes.js';

export interface BatchFormat {
  json: boolean;
  // What ends a request, and a text answer's lines: LF, or NUL with -z.
  separator: 0x0a | 0x00;
}

export interface FoundFile {
  // As the library gives it (a name that is not UTF-8 keeps its bytes escaped).
  localPath: string;
  size: number;
}

export function pathAnswer(request: Buffer, found: FoundFile, format: BatchFormat): Buffer {
  if (format.json) return jsonLine(request, found);
  return Buffer.concat([pathToBytes(found.localPath), end(format)]);
}

// What comes before a file's bytes in `cat --batch`.
export function catHeader(request: Buffer, found: FoundFile, format: BatchFormat): Buffer {
  if (format.json) return jsonLine(request, found);
  return Buffer.concat([request, Buffer.from(` ${found.size}`), end(format)]);
}

// What comes after them.
export function catTrailer(format: BatchFormat): Buffer {
  return format.json ? Buffer.from('\n') : end(format);
}

export function errorAnswer(request: Buffer, error: unknown, format: BatchFormat): Buffer {
  const message = oneLine(error);
  if (format.json) return Buffer.from(`${JSON.stringify({ path: bytesToPath(request), error: message })}\n`);
  return Buffer.concat([request, Buffer.from(' error '), pathToBytes(message), end(format)]);
}

// The message of a failure on one line, whatever it holds (an unexpected error's may span several).
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/[\r\n\0]+/g, ' ').trim() || 'failed';
}

function jsonLine(request: Buffer, { localPath, size }: FoundFile): Buffer {
  // JSON.stringify writes a lone surrogate as its \u escape: the line stays valid UTF-8.
  return Buffer.from(`${JSON.stringify({ path: bytesToPath(request), size, localPath })}\n`);
}

function end(format: BatchFormat): Buffer {
  return Buffer.of(format.separator);
}
