// Kept-alive HTTP/1.1 connections per origin, for the GETs and HEADs an S3 store sends itself
// (store/s3-direct-request.ts): at most `maxPerOrigin` at once, the rest wait their turn; an idle
// connection neither keeps the process alive nor outlives `keepIdleMs`.
import { abortError, Http1Connection, type ExchangeRequest, type Origin, type Timeouts } from './connection.js';
import type { Http1Response } from './response.js';

export interface PoolOptions extends Timeouts {
  maxPerOrigin: number;
  // S3 closes a connection idle for about 20 s; one idle longer here is not reused.
  keepIdleMs?: number;
}

interface Parked {
  connection: Http1Connection;
  since: number;
}

interface OriginConnections {
  idle: Parked[];
  // Connections open, idle or not.
  open: number;
  // Requests waiting for a connection.
  queue: Array<(connection: Http1Connection) => void>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export class Http1Pool {
  private readonly origins = new Map<string, OriginConnections>();
  private closed = false;

  constructor(private readonly options: PoolOptions) {}

  // The response once its head came; its body is the reader's to read or destroy. A connection the
  // server closed between two requests is replaced once, the request sent again (GET and HEAD are
  // idempotent).
  async request(origin: Origin, request: ExchangeRequest, signal?: AbortSignal): Promise<Http1Response> {
    checkRequest(request);
    for (let attempt = 1; ; attempt++) {
      const connection = await this.acquire(origin, signal);
      if (signal?.aborted) {
        // Aborted while it waited for the connection: unsent, and the connection goes on.
        connection.handBack();
        throw abortError(signal);
      }
      try {
        return await connection.exchange(request, signal);
      } catch (err) {
        if (attempt === 1 && connection.retriable && !signal?.aborted) continue;
        throw err;
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const connections of this.origins.values()) {
      for (const { connection } of connections.idle.splice(0)) connection.destroy(new Error('pool closed'));
    }
  }

  private acquire(origin: Origin, signal: AbortSignal | undefined): Promise<Http1Connection> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    if (this.closed) return Promise.reject(new Error('the connection pool is closed'));
    const key = `${origin.https ? 'https' : 'http'}://${origin.hostname}:${origin.port}`;
    let connections = this.origins.get(key);
    if (!connections) this.origins.set(key, (connections = { idle: [], open: 0, queue: [] }));
    const { keepIdleMs = 15_000 } = this.options;
    for (let parked = connections.idle.pop(); parked; parked = connections.idle.pop()) {
      if (parked.connection.usable && Date.now() - parked.since < keepIdleMs) return Promise.resolve(parked.connection);
      parked.connection.destroy(new Error('idle too long'));
    }
    if (connections.open < this.options.maxPerOrigin) return Promise.resolve(this.connect(origin, connections));
    return new Promise((resolve) => connections.queue.push(resolve));
  }

  private connect(origin: Origin, connections: OriginConnections): Http1Connection {
    connections.open++;
    return new Http1Connection(origin, this.options, (connection, reusable) => {
      if (reusable) {
        const next = connections.queue.shift();
        if (next) return next(connection);
        connection.park();
        connections.idle.push({ connection, since: Date.now() });
        return;
      }
      connections.open--;
      connections.idle = connections.idle.filter((parked) => parked.connection !== connection);
      const next = connections.queue.shift();
      if (next) next(this.connect(origin, connections));
    });
  }
}

// The request line and fields are ours, but a value with a line break would be a second request.
function checkRequest(request: ExchangeRequest): void {
  for (const [name, value] of Object.entries(request.headers)) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) throw new Error(`invalid HTTP header field ${JSON.stringify(name)}`);
  }
  if (!/^\/[\x21-\x7e]*$/.test(request.path)) throw new Error(`invalid HTTP request path ${JSON.stringify(request.path)}`);
}
