// Fetches of objects for reading: one at a time per object and repository, shared by every reader
// that wants it, and the two ways a whole read is given its bytes before the read cache has kept
// them (a large object while it downloads, a small one once verified).
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { asError } from '../errors/index.js';
import { readableObject, type FetchOptions, type ReadableObject } from '../local/read-cache.js';
import { LARGE_READ_CHUNK } from '../util/read-pieces.js';
import type { RepositoryContext } from '../repository/context.js';
import { VerifiedTailStream } from './verified-tail-stream.js';

// Concurrent reads of one object (a batch asking for a file twice, two paths with the same
// content, server requests) wait for the same verified download. A reader that gives up (its
// `signal`) stops waiting; the download itself is abandoned (its temp file removed) only once
// every reader waiting for it has given up.
interface SharedFetch {
  done: Promise<ReadableObject>;
  waiting: number;
  abort: AbortController;
}
const fetches = new WeakMap<RepositoryContext, Map<string, SharedFetch>>();

// `onWritten` and `onVerified` are used only if this reader starts the download.
export function fetchForReading(ctx: RepositoryContext, oid: string, size: number, options: FetchOptions = {}): Promise<ReadableObject> {
  return joinFetch(ctx, oid, size, options).forReader;
}

// The shared download (`done`, which this reader's giving up does not end unless every reader has
// given up) and this reader's wait for it.
function joinFetch(ctx: RepositoryContext, oid: string, size: number, options: FetchOptions): { done: Promise<ReadableObject>; forReader: Promise<ReadableObject> } {
  const { signal, onWritten, onVerified } = options;
  if (signal?.aborted) {
    const given = Promise.reject(signal.reason as Error);
    given.catch(() => undefined);
    return { done: given, forReader: given };
  }
  let running = fetches.get(ctx);
  if (running === undefined) fetches.set(ctx, (running = new Map()));
  const key = `${oid} ${size}`;
  let shared = running.get(key);
  let done: Promise<ReadableObject>;
  if (shared === undefined) {
    const abort = new AbortController();
    const table = running;
    done = readableObject(ctx, () => ctx.remote(), oid, size, ctx.logger, { signal: abort.signal, ...(onWritten && { onWritten }), ...(onVerified && { onVerified }) }).finally(
      () => table.delete(key),
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
    return { done, forReader: done };
  }
  const forReader = new Promise<ReadableObject>((resolve, reject) => {
    const onAbort = (): void => {
      if (--fetch.waiting === 0) fetch.abort.abort(signal.reason);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    done.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
  return { done, forReader };
}

// A whole read of a large object that is not local, sent while it downloads rather than once it
// is in the read cache, so that download and sending overlap; the last chunk still waits for the
// verification (verified-tail-stream.ts). A reader that joins another one's download reads the
// verified file once it is there.
export function sentWhileFetched(ctx: RepositoryContext, oid: string, size: number, signal: AbortSignal | undefined): Readable {
  const stream = new VerifiedTailStream();
  let fed = false;
  const onWritten = (chunks: Buffer[]): Promise<void> | undefined => {
    fed = true;
    return stream.feed(chunks);
  };
  fetchForReading(ctx, oid, size, { ...(signal && { signal }), onWritten })
    .then(async ({ path }) => {
      if (!fed) {
        for await (const chunk of createReadStream(path, { highWaterMark: LARGE_READ_CHUNK }) as AsyncIterable<Buffer>) {
          if (stream.destroyed) return;
          await stream.feed([chunk]);
        }
      }
      stream.finish();
    })
    .catch((err: unknown) => stream.destroy(asError(err)));
  return stream;
}

// A whole read of a small object that is not local: the reader has its bytes as soon as they are
// verified, while the read cache's copy is still to be written and put in place (`settled`; a
// server that stops waits for it). A failure to keep that copy no longer concerns this reader,
// who has the right bytes: it is logged. A reader that joined another's download gets what that
// download ends with: the bytes, or the file.
export async function heldWhileFetched(
  ctx: RepositoryContext,
  oid: string,
  size: number,
  signal: AbortSignal | undefined,
): Promise<{ bytes: Buffer; settled?: Promise<void> } | { path: string }> {
  let handOver!: (bytes: Buffer) => void;
  const verified = new Promise<Buffer>((resolve) => (handOver = resolve));
  const { done, forReader } = joinFetch(ctx, oid, size, { ...(signal && { signal }), onVerified: handOver });
  const first = await Promise.race([verified, forReader]);
  if (!Buffer.isBuffer(first)) return first.bytes ? { bytes: first.bytes } : { path: first.path };
  const settled = done.then(
    () => undefined,
    (err: unknown) => ctx.logger.warn({ err, oid }, 'read cache: the object was read, but its copy could not be kept'),
  );
  return { bytes: first, settled };
}
