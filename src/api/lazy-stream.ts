import { Readable } from 'node:stream';
import { IntegrityError } from '../errors/index.js';

export interface OpenedSource {
  stream: Readable;
  // When known, the source must yield exactly this many bytes: fewer is a truncated source; more
  // is a server that ignored the Range, tolerated (and cut) only when `excessIsPrefix`.
  expectedLength?: number;
  excessIsPrefix?: boolean;
  // Names the source in a length error, e.g. "s3://bucket/key (bytes 10-20)".
  describe?: string;
  // Work that goes on after the bytes are given (the read cache's copy being kept); never rejects.
  // The stream closes only once it is done, so that a server that stops waits for it.
  settled?: Promise<void>;
}

export interface LazyStreamOptions {
  // Opens the real source on the first read; its failure becomes the stream's error.
  open: () => Promise<OpenedSource>;
  // Rewrites every error (open or mid-stream) once, e.g. to name the path.
  mapError: (err: unknown) => Error;
}

// A Readable returned synchronously whose source is opened asynchronously, with backpressure
// passed through (pause/resume) and the source destroyed whenever this stream is.
export class LazyStream extends Readable {
  private source: Readable | undefined;
  private opened: OpenedSource | undefined;
  private received = 0;
  private done = false;

  constructor(private readonly options: LazyStreamOptions) {
    super();
  }

  override _construct(callback: (error?: Error | null) => void): void {
    this.options.open().then(
      (opened) => {
        const source = opened.stream;
        this.opened = opened;
        this.source = source;
        source.on('data', (chunk: Buffer) => this.forward(chunk));
        source.on('end', () => this.finish());
        source.on('error', (err) => this.destroy(this.options.mapError(err)));
        source.pause();
        callback();
      },
      (err: unknown) => callback(this.options.mapError(err)),
    );
  }

  override _read(): void {
    this.source?.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.source?.destroy();
    const settled = this.opened?.settled;
    if (settled === undefined) callback(error);
    else void settled.then(() => callback(error));
  }

  private forward(chunk: Buffer): void {
    if (this.done) return;
    const { expectedLength, excessIsPrefix } = this.opened ?? {};
    this.received += chunk.length;
    if (expectedLength !== undefined && this.received > expectedLength) {
      if (!excessIsPrefix) return void this.destroy(this.lengthError(`more than ${expectedLength}`));
      const keep = chunk.length - (this.received - expectedLength);
      if (keep > 0) this.push(chunk.subarray(0, keep));
      this.done = true;
      this.source?.destroy();
      this.push(null);
      return;
    }
    if (!this.push(chunk)) this.source?.pause();
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    const { expectedLength } = this.opened ?? {};
    if (expectedLength !== undefined && this.received < expectedLength) {
      return void this.destroy(this.lengthError(String(this.received)));
    }
    this.push(null);
  }

  private lengthError(got: string): Error {
    const what = this.opened?.describe ?? 'the source';
    return this.options.mapError(new IntegrityError(`${what} returned ${got} bytes, expected ${this.opened?.expectedLength}`));
  }
}
