// Newline-delimited framing over byte streams: stdin → lines, lines → stdout.
import type { Writable } from 'node:stream';
import { ProtocolError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';

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

// Writes whole lines in order, waiting for 'drain' when the stream is full. Once the peer has gone
// (EPIPE after git-lfs closed our stdout, or any write error) it stops writing and never throws:
// an agent must not crash because its reader left first.
export class LineWriter {
  private tail: Promise<void> = Promise.resolve();
  private lastWritten: Promise<void> = Promise.resolve();
  private stopped = false;
  // A destroyed stream may never call back the write it was holding.
  private readonly gone: Promise<void>;

  constructor(
    private readonly output: Writable,
    private readonly logger?: Logger,
  ) {
    this.gone = new Promise((resolve) => {
      output.on('error', (err: NodeJS.ErrnoException) => {
        this.stop(err);
        resolve();
      });
      output.on('close', resolve);
    });
  }

  get closed(): boolean {
    return this.stopped || this.output.destroyed || this.output.writableEnded;
  }

  // Resolves once the line is handed to the stream and the stream has room again; never rejects.
  write(line: string): Promise<void> {
    this.tail = this.tail.then(() => this.writeNow(line));
    return this.tail;
  }

  // Resolves once every line written so far has been flushed (or the stream has failed).
  async flush(): Promise<void> {
    await this.tail;
    await Promise.race([this.lastWritten, this.gone]);
  }

  private writeNow(line: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const { output } = this;
    let hasRoom = true;
    this.lastWritten = new Promise((resolve) => {
      hasRoom = output.write(line, (err) => {
        if (err) this.stop(err);
        resolve();
      });
    });
    if (hasRoom) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        output.off('drain', done).off('close', done).off('error', done);
        resolve();
      };
      output.on('drain', done).on('close', done).on('error', done);
    });
  }

  private stop(err: NodeJS.ErrnoException): void {
    if (this.stopped) return;
    this.stopped = true;
    if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') {
      this.logger?.debug({ code: err.code }, 'output closed by the reader; not writing any more');
    } else {
      this.logger?.warn({ err }, 'writing to the output failed; not writing any more');
    }
  }
}
