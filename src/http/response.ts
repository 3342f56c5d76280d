// A response of http/connection.ts: its status and header fields, and its body as a stream of the
// connection's views; reading it and destroying it go back to the connection.
import { Readable } from 'node:stream';
import type { ResponseHead } from './response-parser.js';

export interface ResponseSource {
  // The reader wants more of this response.
  resumeReading(response: Http1Response): void;
  // The reader destroyed this response.
  responseDestroyed(response: Http1Response): void;
}

// A response: its status and header fields, and its body as a stream of views.
export class Http1Response extends Readable {
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly headers: Record<string, string>;

  constructor(
    head: ResponseHead,
    private readonly connection: ResponseSource,
  ) {
    super({ highWaterMark: 1024 * 1024 });
    // A connection that breaks before the reader has started (a store hands the body over, its
    // reader iterates it later) must not throw from an 'error' with no listener: the error stays
    // in the stream's state, and the reader's iteration or pipeline gets it when it starts.
    this.on('error', () => undefined);
    this.statusCode = head.status;
    this.statusMessage = head.statusText;
    this.headers = head.headers;
  }

  override _read(): void {
    this.connection.resumeReading(this);
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    this.connection.responseDestroyed(this);
    callback(err);
  }
}
