import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { ErrorCode, IntegrityError, LfsLazyError } from '../errors/index.js';
import { EMPTY_OID, extensionsRefusal, type Pointer } from '../protocol/pointer.js';
import { HELD_OBJECT_BYTES, localCopy } from '../local/read-cache.js';
import { LARGE_READ_CHUNK } from '../util/read-pieces.js';
import type { RepositoryContext } from '../repository/context.js';
import { blobContent } from '../repository/revision-files.js';
import { absolutePath, type FileSource } from './file-source.js';
import type { OpenedSource } from './lazy-stream.js';
import { fetchForReading, heldWhileFetched, sentWhileFetched } from './shared-fetch.js';

// Node-style byte range: both ends inclusive, either may be omitted.
export interface ByteRange {
  start?: number | undefined;
  end?: number | undefined;
}

// Throws at once (like fs.createReadStream) for values no file could satisfy.
export function checkRange({ start, end }: ByteRange): void {
  for (const [name, value] of [['start', start], ['end', end]] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
      throw new LfsLazyError(`invalid range: ${name} must be a non-negative integer, got ${String(value)}`, { code: ErrorCode.BadRequest });
    }
  }
  if (start !== undefined && end !== undefined && start > end) {
    throw new LfsLazyError(`invalid range: start ${start} is after end ${end}`, { code: ErrorCode.BadRequest });
  }
}

// The part of an object of `size` bytes a range selects: `end` clamped to the last byte; a start
// at or beyond the end selects nothing.
function clamp(range: ByteRange, size: number): { start: number; end: number; length: number; whole: boolean } {
  const start = range.start ?? 0;
  const end = Math.min(range.end ?? size - 1, size - 1);
  const length = Math.max(0, end - start + 1);
  return { start, end, length, whole: start === 0 && end === size - 1 };
}

const empty = (): OpenedSource => ({ stream: Readable.from([]), expectedLength: 0 });

// Opens the bytes of a file (or of a range of it), from the cheapest place that has them.
// Aborting `signal` abandons a fetch still under way (its temp file removed).
export async function openContent(ctx: RepositoryContext, source: FileSource, range: ByteRange, signal?: AbortSignal): Promise<OpenedSource> {
  if (source.kind === 'plain') {
    // The working tree as it is: fs clamps the range to whatever the file holds now.
    return { stream: createReadStream(source.absolute, { ...definedRange(range) }) };
  }
  if (source.kind === 'blob') {
    const r = clamp(range, source.size);
    if (r.length === 0) return empty();
    const stream = blobContent(ctx.paths.worktree ?? ctx.paths.gitDir, source.blob);
    return { stream: r.whole ? stream : sliceOf(stream, r.start, r.end), expectedLength: r.length, describe: `git blob ${source.blob}` };
  }
  const { oid, size } = source.pointer;
  const r = clamp(range, size);
  if (r.length === 0) return empty();
  const slice = { start: r.start, end: r.end };
  const expected = { expectedLength: r.length };
  if (source.hydratedFile !== undefined) {
    return { stream: openSpan(source.hydratedFile, slice, r.length), ...expected, describe: absolutePath(source.hydratedFile) };
  }
  refuseExtensions(source.pointer);
  const here = await localCopy(ctx, oid, size);
  if (here) return { stream: openSpan(here.pathFor(oid), slice, r.length), ...expected, describe: here.pathFor(oid) };
  if (r.whole) {
    // A full read keeps a verified copy in the read cache: the next read is local. A large object
    // is sent while it downloads; a small one from its verified bytes in memory, before the copy
    // is written.
    if (size > HELD_OBJECT_BYTES) return { stream: sentWhileFetched(ctx, oid, size, signal), ...expected, describe: `object ${oid}` };
    const held = await heldWhileFetched(ctx, oid, size, signal);
    if ('path' in held) return { stream: openSpan(held.path, slice, r.length), ...expected, describe: held.path };
    return { stream: Readable.from([held.bytes]), ...expected, ...(held.settled && { settled: held.settled }), describe: `object ${oid}` };
  }
  // A slice of a remote object: one Range request, never a full download. It cannot be hashed,
  // so its length is what gets checked. The store retries (and resumes) it itself.
  const store = await ctx.remote();
  const stream = await store.get(oid, signal ? { ...slice, signal } : slice);
  return {
    stream,
    ...expected,
    // A server that ignores Range sends the object from byte 0: still right when the slice starts there.
    excessIsPrefix: r.start === 0,
    describe: `${store.locate(oid)} (bytes ${r.start}-${r.end})`,
  };
}

// A small span's bytes, read whole for a caller that needs no stream (the read server's answers).
// `settled`: the read cache's copy of an object just downloaded is still being written.
export interface SmallContent {
  bytes: Buffer;
  settled?: Promise<void>;
}

// The bytes of a small span of an LFS file, at once: from this disk when they are here (hydrated,
// or its object in the LFS store or the read cache); for a whole object that is not, from its
// verified download, before the read cache's copy is written. Undefined otherwise (a large span, a
// range of an object not here, anything but an LFS file): open the content as a stream. Aborting
// `signal` abandons the download, as for openContent.
export async function smallContent(ctx: RepositoryContext, source: FileSource, range: ByteRange, signal?: AbortSignal): Promise<SmallContent | undefined> {
  if (source.kind !== 'lfs') return undefined;
  const { oid, size } = source.pointer;
  const r = clamp(range, size);
  if (r.length === 0 || r.length > HELD_OBJECT_BYTES) return undefined;
  // Refused by the stream, with its reason.
  if (extensionsRefusal(source.pointer)) return undefined;
  const slice = { start: r.start, end: r.end };
  const here = source.hydratedFile ?? (await localCopy(ctx, oid, size))?.pathFor(oid);
  if (here !== undefined) return { bytes: wholeSpan(here, slice, r.length) };
  if (!r.whole) return undefined;
  const held = await heldWhileFetched(ctx, oid, size, signal);
  return 'path' in held ? { bytes: wholeSpan(held.path, slice, r.length) } : held;
}

// A span read at once; the file changed since it was found: the error a stream of it gives
// (lazy-stream.ts).
function wholeSpan(path: string | Buffer, slice: { start: number; end: number }, length: number): Buffer {
  const bytes = readSpan(path, slice, length);
  if (bytes.length !== length) throw new IntegrityError(`${absolutePath(path)} returned ${bytes.length} bytes, expected ${length}`);
  return bytes;
}

// The absolute path of a file's verified local object (fetched if needed), or of the working-tree
// file itself for a plain file of the working tree.
export async function localObjectPath(ctx: RepositoryContext, source: FileSource): Promise<string> {
  if (source.kind === 'plain') return absolutePath(source.absolute);
  if (source.kind === 'blob') {
    // No file holds a revision's ordinary file: its bytes go into the read cache under their
    // SHA-256, like any object read on demand.
    const { oid } = await ctx.readCache.ingest(blobContent(ctx.paths.worktree ?? ctx.paths.gitDir, source.blob));
    return ctx.readCache.pathFor(oid);
  }
  refuseExtensions(source.pointer);
  const { oid, size } = source.pointer;
  if (size === 0) {
    // git-lfs never uploads the empty object; it is made here rather than fetched.
    if (oid !== EMPTY_OID) throw new IntegrityError(`the pointer says size 0 but oid ${oid} is not the empty object's`);
    await ctx.local.ingest(Readable.from([]));
    return ctx.local.pathFor(oid);
  }
  return (await fetchForReading(ctx, oid, size)).path;
}

// A span of a local file. A small one is read at once: one synchronous read costs less than the
// thread-pool round trips of a stream (open, read, close), and a training job reads many small
// files. A short read (the file changed) is caught by the stream's expected length.
function openSpan(path: string | Buffer, slice: { start: number; end: number }, length: number): Readable {
  if (length > HELD_OBJECT_BYTES) return createReadStream(path, { ...slice, highWaterMark: LARGE_READ_CHUNK });
  return Readable.from([readSpan(path, slice, length)]);
}

// Fewer bytes than `length` when the file is shorter than it should be.
function readSpan(path: string | Buffer, slice: { start: number; end: number }, length: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.allocUnsafe(length);
    let got = 0;
    for (let n = -1; got < length && n !== 0; got += n) n = readSync(fd, bytes, got, length - got, slice.start + got);
    return bytes.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

// The object of a pointer with git-lfs extensions is not the file's content (see extensionsRefusal).
function refuseExtensions(pointer: Pointer): void {
  const refusal = extensionsRefusal(pointer);
  if (refusal) throw new LfsLazyError(`cannot give the content of object ${pointer.oid}: ${refusal}`, { code: ErrorCode.BadRequest });
}

// Bytes `start`–`end` (inclusive) of a stream; the source stops as soon as they are through.
function sliceOf(source: Readable, start: number, end: number): Readable {
  return Readable.from(
    (async function* () {
      let offset = 0;
      for await (const chunk of source as AsyncIterable<Buffer>) {
        const from = Math.max(start - offset, 0);
        const to = Math.min(end + 1 - offset, chunk.length);
        if (to > from) yield chunk.subarray(from, to);
        offset += chunk.length;
        if (offset > end) break;
      }
    })(),
  );
}

function definedRange(range: ByteRange): { start?: number; end?: number } {
  return {
    ...(range.start !== undefined && { start: range.start }),
    ...(range.end !== undefined && { end: range.end }),
  };
}
