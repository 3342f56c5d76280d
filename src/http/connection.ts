// One HTTP/1.1 connection that sends a GET or HEAD (no request body) and reads its response, one
// exchange at a time, for the pool in http/pool.ts. Why not node's http client: it reads a socket
// 64 KiB at a time into a fresh buffer and takes every piece through its parser's JS callbacks and
// a stream, ≈ 1.5 s of CPU for a 1 GiB body on this machine; reading into slabs of 1 MiB (node's
// `onread`) takes what the socket holds at once, ≈ 0.3 s (scripts/bench, row 7h's notes). Body
// pieces are views of the slabs, handed to the reader without a copy.
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { ResponseParser } from './response-parser.js';
import { Http1Response, type ResponseSource } from './response.js';

export interface Origin {
  https: boolean;
  hostname: string;
  port: number;
}

export interface Timeouts {
  connectMs: number;
  // Inactivity, not total: also fires when a response body stops arriving half-way.
  idleMs: number;
}

export interface ExchangeRequest {
  method: 'GET' | 'HEAD';
  path: string;
  headers: Record<string, string>;
}

const SLAB = 1024 * 1024;
// A read is never offered less than this (a slab's rest below it starts a new slab).
const MIN_READ = 64 * 1024;

function timeoutError(message: string): Error {
  return Object.assign(new Error(message), { name: 'TimeoutError' });
}

export class Http1Connection implements ResponseSource {
  private readonly socket: Socket;
  private slab = Buffer.allocUnsafe(SLAB);
  private slabUsed = 0;
  private connected = false;
  private parser: ResponseParser | undefined;
  private response: Http1Response | undefined;
  private waiting: { resolve: (r: Http1Response) => void; reject: (e: Error) => void } | undefined;
  private keepAlive = false;
  private paused = false;
  private broken: Error | undefined;
  private gone = false;
  // Whether any byte of the current exchange's response came: a reused connection closed by the
  // server before that may be retried on a new one.
  private answered = false;
  private exchanges = 0;
  // Stops listening to the current exchange's abort signal.
  private unwatch: (() => void) | undefined;

  constructor(
    origin: Origin,
    private readonly timeouts: Timeouts,
    // The exchange is over: the connection may carry another (reusable) or is gone. Called once
    // with false, when the connection ends.
    private readonly onIdle: (connection: Http1Connection, reusable: boolean) => void,
  ) {
    const onread = {
      buffer: () => this.nextReadBuffer(),
      callback: (bytes: number, buffer: Uint8Array) => this.received(bytes, buffer),
    };
    const options = { host: origin.hostname, port: origin.port, onread };
    this.socket = origin.https
      ? tlsConnect({ ...options, ...(isIP(origin.hostname) === 0 && { servername: origin.hostname }), ALPNProtocols: ['http/1.1'] })
      : netConnect(options);
    this.socket.setNoDelay(true);
    const connectTimer = setTimeout(() => this.fail(timeoutError(`could not establish a connection within ${timeouts.connectMs} ms`)), timeouts.connectMs);
    this.socket.once(origin.https ? 'secureConnect' : 'connect', () => {
      clearTimeout(connectTimer);
      this.connected = true;
      if (this.parser) this.socket.setTimeout(timeouts.idleMs);
    });
    this.socket.on('timeout', () => this.fail(timeoutError(`no data for ${timeouts.idleMs} ms (socket inactivity)`)));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('end', () => this.ended());
    this.socket.on('close', () => {
      clearTimeout(connectTimer);
      this.fail(hangUp());
    });
  }

  get usable(): boolean {
    return this.broken === undefined;
  }

  // Whether a failure of the current exchange may be sent again on a new connection: the server
  // closed a connection it had kept alive before answering (it may do so at any moment).
  get retriable(): boolean {
    return this.exchanges > 1 && !this.answered;
  }

  // The response once its head came. An abort ends the exchange and the connection, also while
  // the body is being read; once the body has come whole, it changes nothing.
  exchange(request: ExchangeRequest, signal?: AbortSignal): Promise<Http1Response> {
    this.exchanges++;
    this.answered = false;
    // Closed while it waited in the pool: retriable, as a close after the request went out is.
    if (this.broken) return Promise.reject(this.broken);
    if (signal) {
      const onAbort = (): void => this.fail(abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.unwatch = () => signal.removeEventListener('abort', onAbort);
    }
    this.socket.ref();
    if (this.connected) this.socket.setTimeout(this.timeouts.idleMs);
    this.parser = new ResponseParser(
      {
        head: (head) => {
          this.response = new Http1Response(head, this);
          this.keepAlive = head.keepAlive;
          this.waiting?.resolve(this.response);
          this.waiting = undefined;
        },
        body: (chunk) => {
          if (!this.response!.push(chunk)) this.paused = true;
        },
        end: (rest) => this.exchangeEnded(rest.length === 0),
      },
      request.method === 'HEAD',
    );
    const head = [`${request.method} ${request.path} HTTP/1.1`, ...Object.entries(request.headers).map(([n, v]) => `${n}: ${v}`), '', ''];
    return new Promise<Http1Response>((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(head.join('\r\n'));
    });
  }

  // The reader of the response under way wants more.
  resumeReading(response: Http1Response): void {
    if (!this.paused || this.response !== response) return;
    this.paused = false;
    this.socket.resume();
  }

  // The reader destroyed a response before its end: its unread bytes would be the next one's start.
  responseDestroyed(response: Http1Response): void {
    if (this.parser && this.response === response) this.fail(new Error('the response was closed before its end'));
  }

  // Back to the pool without an exchange (its request was aborted while it waited for it).
  handBack(): void {
    if (!this.parser && !this.broken) this.onIdle(this, true);
  }

  destroy(err: Error): void {
    this.fail(err);
  }

  // Idle in the pool: neither keeps the process alive nor times out (the pool closes it).
  park(): void {
    this.socket.setTimeout(0);
    this.socket.unref();
  }

  private stopWatching(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private nextReadBuffer(): Uint8Array {
    if (SLAB - this.slabUsed < MIN_READ) {
      this.slab = Buffer.allocUnsafe(SLAB);
      this.slabUsed = 0;
    }
    return this.slab.subarray(this.slabUsed);
  }

  // Returns false to stop reading the socket until the reader wants more.
  private received(bytes: number, buffer: Uint8Array): boolean {
    const data = Buffer.from(buffer.buffer, buffer.byteOffset, bytes);
    this.slabUsed += bytes;
    if (!this.parser) {
      this.fail(new Error('the server sent bytes with no request outstanding'));
      return false;
    }
    this.answered = true;
    try {
      this.parser.feed(data);
    } catch (err) {
      this.fail(err as Error);
      return false;
    }
    return !this.paused;
  }

  private exchangeEnded(clean: boolean): void {
    const response = this.response;
    this.stopWatching();
    this.parser = undefined;
    this.response = undefined;
    response?.push(null);
    // Its reader's backpressure no longer holds the socket: the next exchange must be read (and an
    // idle connection's close noticed) whatever that reader does.
    this.paused = false;
    if (clean && this.keepAlive && this.broken === undefined) this.onIdle(this, true);
    else this.fail(new Error(clean ? 'connection not kept alive' : 'the server sent bytes past the end of its response'));
  }

  private ended(): void {
    // The server closed its side: the end of a body framed by the connection, or else a cut
    // (reported when the socket closes).
    if (this.parser?.readsUntilClose) this.parser.finish();
    this.socket.end();
  }

  // The connection is gone: the exchange under way, if any, fails with the first reason.
  private fail(err: Error): void {
    this.broken ??= err;
    this.socket.destroy();
    const parser = this.parser;
    this.parser = undefined;
    this.stopWatching();
    if (parser) {
      const reason = this.broken;
      const cause = (reason as NodeJS.ErrnoException).code === 'ECONNRESET' ? parser.cutShort() : reason;
      if (this.waiting) this.waiting.reject(cause);
      else this.response?.destroy(cause);
      this.waiting = undefined;
      this.response = undefined;
    }
    if (this.gone) return;
    this.gone = true;
    this.onIdle(this, false);
  }
}

export function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error('The operation was aborted'), { name: 'AbortError', code: 'ABORT_ERR', cause: signal.reason as unknown });
}

function hangUp(): Error {
  return Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
}
