import { closeSync, createReadStream, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { ErrorCode, IntegrityError, LfsLazyError } from '../errors/index.js';
import { EMPTY_OID, extensionsRefusal, type Pointer } from '../protocol/pointer.js';
import { HELD_OBJECT_BYTES, localCopy, readableObject, type ReadableObject } from '../local/read-cache.js';
import type { RepositoryContext } from '../repository/context.js';
import { blobContent } from '../repository/revision-files.js';
import { absolutePath, type FileSource } from './file-source.js';
import type { OpenedSource } from './lazy-stream.js';
import { VerifiedTailStream } from './verified-tail-stream.js';

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
    // is sent while it downloads; a small one comes with its verified bytes, sent from memory
    // rather than read back from the file.
    if (size > HELD_OBJECT_BYTES) return { stream: sentWhileFetched(ctx, oid, size, signal), ...expected, describe: `object ${oid}` };
    const { path, bytes } = await fetchForReading(ctx, oid, size, signal);
    return { stream: bytes ? Readable.from([bytes]) : openSpan(path, slice, r.length), ...expected, describe: path };
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
  if (length > HELD_OBJECT_BYTES) return createReadStream(path, slice);
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.allocUnsafe(length);
    let got = 0;
    for (let n = -1; got < length && n !== 0; got += n) n = readSync(fd, bytes, got, length - got, slice.start + got);
    return Readable.from([bytes.subarray(0, got)]);
  } finally {
    closeSync(fd);
  }
}

// One fetch of an object at a time per repository: concurrent reads of it (a batch asking for a
// file twice, two paths with the same content, server requests) wait for the same verified
// download. A reader that gives up (its `signal`) stops waiting; the download itself is abandoned
// (its temp file removed) only once every reader waiting for it has given up.
interface SharedFetch {
  done: Promise<ReadableObject>;
  waiting: number;
  abort: AbortController;
}
const fetches = new WeakMap<RepositoryContext, Map<string, SharedFetch>>();

async function fetchForReading(
  ctx: RepositoryContext,
  oid: string,
  size: number,
  signal?: AbortSignal,
  // Given the bytes only if this reader starts the download.
  onWritten?: (chunks: Buffer[]) => Promise<void> | undefined,
): Promise<ReadableObject> {
  signal?.throwIfAborted();
  let running = fetches.get(ctx);
  if (running === undefined) fetches.set(ctx, (running = new Map()));
  const key = `${oid} ${size}`;
  let shared = running.get(key);
  let done: Promise<ReadableObject>;
  if (shared === undefined) {
    const abort = new AbortController();
    const table = running;
    done = readableObject(ctx, () => ctx.remote(), oid, size, ctx.logger, { signal: abort.signal, ...(onWritten && { onWritten }) }).finally(() =>
      table.delete(key),
    );
    done.catch(() => undefined);
    shared = { done, waiting: 0, abort };
    running.set(key, shared);
  } else {
    // Held bytes are handed to the reader's stream as they are: every other reader gets its own
    // copy, so that one that changes the chunks it was given changes nobody else's.
    done = shared.done.then((o) => (o.bytes ? { ...o, bytes: Buffer.from(o.bytes) } : o));
  }
  const fetch = shared;
  fetch.waiting++;
  if (signal === undefined) {
    // A reader that never gives up keeps the download going.
    fetch.waiting = Number.POSITIVE_INFINITY;
    return done;
  }
  return new Promise<ReadableObject>((resolve, reject) => {
    const onAbort = (): void => {
      if (--fetch.waiting === 0) fetch.abort.abort(signal.reason);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    done.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

// A whole read of a large object that is not local, sent while it downloads rather than once it
// is in the read cache, so that download and sending overlap; the last chunk still waits for the
// verification (verified-tail-stream.ts). A reader that joins another one's download reads the
// verified file once it is there.
function sentWhileFetched(ctx: RepositoryContext, oid: string, size: number, signal: AbortSignal | undefined): Readable {
  const stream = new VerifiedTailStream();
  let fed = false;
  const onWritten = (chunks: Buffer[]): Promise<void> | undefined => {
    fed = true;
    return stream.feed(chunks);
  };
  fetchForReading(ctx, oid, size, signal, onWritten)
    .then(async ({ path }) => {
      if (!fed) {
        for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
          if (stream.destroyed) return;
          await stream.feed([chunk]);
        }
      }
      stream.finish();
    })
    .catch((err: unknown) => stream.destroy(err instanceof Error ? err : new Error(String(err))));
  return stream;
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
