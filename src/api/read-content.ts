import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { ErrorCode, IntegrityError, LfsLazyError } from '../errors/index.js';
import { EMPTY_OID, extensionsRefusal, type Pointer } from '../protocol/pointer.js';
import { localCopy, objectForReading } from '../local/read-cache.js';
import type { RepositoryContext } from '../repository/context.js';
import { absolutePath, type FileSource } from './file-source.js';
import type { OpenedSource } from './lazy-stream.js';

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
  const { oid, size } = source.pointer;
  const r = clamp(range, size);
  if (r.length === 0) return empty();
  const slice = { start: r.start, end: r.end };
  const expected = { expectedLength: r.length };
  if (source.hydrated) return { stream: createReadStream(source.absolute, slice), ...expected, describe: absolutePath(source) };
  refuseExtensions(source.pointer);
  const here = await localCopy(ctx, oid, size);
  if (here) return { stream: here.openRead(oid, slice), ...expected, describe: here.pathFor(oid) };
  if (r.whole) {
    // A full read keeps a verified copy in the read cache: the next read is local.
    const path = await objectForReading(ctx, () => ctx.remote(), oid, size, ctx.logger, signal);
    return { stream: ctx.readCache.openRead(oid), ...expected, describe: path };
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
// file itself for a plain file.
export async function localObjectPath(ctx: RepositoryContext, source: FileSource): Promise<string> {
  if (source.kind === 'plain') return absolutePath(source);
  refuseExtensions(source.pointer);
  const { oid, size } = source.pointer;
  if (size === 0) {
    // git-lfs never uploads the empty object; it is made here rather than fetched.
    if (oid !== EMPTY_OID) throw new IntegrityError(`the pointer says size 0 but oid ${oid} is not the empty object's`);
    await ctx.local.ingest(Readable.from([]));
    return ctx.local.pathFor(oid);
  }
  return objectForReading(ctx, () => ctx.remote(), oid, size, ctx.logger);
}

// The object of a pointer with git-lfs extensions is not the file's content (see extensionsRefusal).
function refuseExtensions(pointer: Pointer): void {
  const refusal = extensionsRefusal(pointer);
  if (refusal) throw new LfsLazyError(`cannot give the content of object ${pointer.oid}: ${refusal}`, { code: ErrorCode.BadRequest });
}

function definedRange(range: ByteRange): { start?: number; end?: number } {
  return {
    ...(range.start !== undefined && { start: range.start }),
    ...(range.end !== undefined && { end: range.end }),
  };
}
