// stdout as `cat` and the batch modes write it: with backpressure, and a reader that goes away
// (EPIPE: `| head`, a co-process that exits) as a normal end rather than a crash or an error.
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { LfsLazyError } from '../errors/index.js';

export interface WatchedOutput {
  stream: Writable;
  // Set once the reader is gone (EPIPE) or the stream failed.
  closed: boolean;
  error: Error | undefined;
  release(): void;
}

export function watchOutput(stream: Writable): WatchedOutput {
  const state: WatchedOutput = {
    stream,
    closed: false,
    error: undefined,
    release: () => stream.off('error', onError),
  };
  // Without a listener an EPIPE on stdout would crash the process with a stack trace.
  const onError = (err: NodeJS.ErrnoException): void => {
    state.closed = true;
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') state.error = err;
  };
  stream.on('error', onError);
  return state;
}

// Writes one piece; false when the output went away. Any other write failure throws.
export async function writeOut(out: WatchedOutput, bytes: Buffer): Promise<boolean> {
  if (out.closed) return failedOrFalse(out);
  if (!out.stream.write(bytes)) await drained(out);
  return out.closed ? failedOrFalse(out) : true;
}

// Copies with backpressure; the number of bytes copied, or undefined when the output went away
// (and the source was abandoned).
export async function copyOut(source: Readable, out: WatchedOutput): Promise<number | undefined> {
  let copied = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (!(await writeOut(out, chunk))) return undefined;
      copied += chunk.length;
    }
  } finally {
    source.destroy();
  }
  return out.closed ? undefined : copied;
}

function failedOrFalse(out: WatchedOutput): false {
  if (out.error) throw new LfsLazyError(`cannot write to stdout: ${out.error.message}`, { cause: out.error });
  return false;
}

async function drained(out: WatchedOutput): Promise<void> {
  if (out.closed) return;
  // 'error' and 'close' also end the wait: a reader that vanished never drains.
  const ac = new AbortController();
  await Promise.race([
    once(out.stream, 'drain', { signal: ac.signal }),
    once(out.stream, 'close', { signal: ac.signal }),
    once(out.stream, 'error', { signal: ac.signal }),
  ]).catch(() => undefined);
  ac.abort();
}
