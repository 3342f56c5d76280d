// A file the server has found: its size and ETag (all a HEAD, a 416 or the headers of a GET need)
// and a way to open its bytes, or a range of them, afterwards. Found once per request, so the
// size, the ETag and the bytes all come from the same lookup.
import { Readable } from 'node:stream';
import type { FileSource } from '../api/file-source.js';
import { asError } from '../errors/index.js';
import { LazyStream } from '../api/lazy-stream.js';
import { openContent, smallContent, type SmallContent } from '../api/read-content.js';
import type { RepositoryContext } from '../repository/context.js';

// Inclusive, both ends within the file.
export interface Span {
  start: number;
  end: number;
}

export interface ServedFile {
  // Relative to the repository root (for the log).
  path: string;
  size: number;
  // Quoted, as it goes into the ETag header.
  etag: string;
  // The bytes of `span`, or of the whole file. A failure (a missing object, the store down) is the
  // stream's error, before its first byte when it can be known then. Aborting `signal` abandons a
  // fetch under way, its temp file removed, before the stream closes.
  open(span: Span | undefined, signal: AbortSignal): Readable;
  // The bytes of a small span, read at once without a stream (api/read-content.ts smallContent);
  // undefined when they must be opened (a large span, a range of an object not here, a git blob).
  readSmall?(span: Span | undefined, signal: AbortSignal): Promise<SmallContent | undefined>;
}

export type Lookup = { file: ServedFile } | { missing: string };

// An LFS file (or a plain one the library reads): through the library's own reading — the local
// stores first, a Range request for a span of an object that is not here, the verified read cache
// for a whole one.
export function libraryFile(ctx: RepositoryContext, source: FileSource, size: number, etag: string): ServedFile {
  return {
    path: source.path,
    size,
    etag,
    open: (span, signal) => new LazyStream({ open: () => openContent(ctx, source, span ?? {}, signal), mapError: asError }),
    readSmall: (span, signal) => smallContent(ctx, source, span ?? {}, signal),
  };
}

// Bytes already in memory (a symbolic link's target).
export function bufferFile(path: string, bytes: Buffer, etag: string): ServedFile {
  return {
    path,
    size: bytes.length,
    etag,
    open: (span) => Readable.from(span ? [bytes.subarray(span.start, span.end + 1)] : [bytes]),
  };
}

// The span of a stream that starts at byte 0 (a git blob): bytes before it are skipped, and the
// source is stopped (destroyed) as soon as the span is complete.
export function sliceOf(open: () => Readable, span: Span | undefined): Readable {
  if (span === undefined) return open();
  return Readable.from(slice(open(), span), { objectMode: false });
}

async function* slice(source: Readable, span: Span): AsyncGenerator<Buffer> {
  let offset = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const from = Math.max(0, span.start - offset);
    const to = Math.min(chunk.length, span.end + 1 - offset);
    offset += chunk.length;
    if (to > from) yield chunk.subarray(from, to);
    // Leaving the loop destroys the source: git stops writing.
    if (offset > span.end) return;
  }
}
