import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { Command } from '../command.js';
import { parseOptions } from '../parse-options.js';
import { openRepository } from '../../api/repository.js';
import { LfsLazyError } from '../../errors/index.js';

const usage = [
  'usage: lfs-lazy cat <path>...',
  '',
  'Writes the real content of each file to stdout, in order: LFS objects are read from the local',
  'store or fetched on demand, ordinary files from the working tree. The working tree is not touched.',
  'Stops at the first file that cannot be read.',
].join('\n');

export const command: Command = {
  summary: 'stream the real content of files to stdout, fetching on demand',
  usage,
  async run(args, io) {
    const { positionals } = parseOptions(args, {}, usage);
    if (positionals.length === 0) throw new LfsLazyError(`no path given\n${usage}`);
    const out = watch(io.stdout);
    const repo = await openRepository(io.cwd, { env: io.env });
    try {
      for (const path of positionals) {
        if (!(await copy(repo.createReadStream(path), out))) break;
      }
    } finally {
      out.release();
      repo.close();
    }
    // A reader that went away (`| head`) is a normal end, not a failure.
    return 0;
  },
};

interface WatchedOutput {
  stream: Writable;
  // Set once the reader is gone (EPIPE) or the stream failed.
  closed: boolean;
  error: Error | undefined;
  release(): void;
}

function watch(stream: Writable): WatchedOutput {
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

// Copies with backpressure; false when the output went away (and the source was abandoned).
async function copy(source: Readable, out: WatchedOutput): Promise<boolean> {
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (out.closed) break;
      if (!out.stream.write(chunk)) await drained(out);
      if (out.error) throw new LfsLazyError(`cannot write to stdout: ${out.error.message}`, { cause: out.error });
      if (out.closed) break;
    }
  } finally {
    source.destroy();
  }
  return !out.closed;
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
