// The HTTP server of `lfs-lazy serve`: node:http on 127.0.0.1 (never another interface) or on a
// Unix socket only its owner can open, with caps — connections, time to send the headers, time a
// kept-alive connection may sit idle, time a client may stop reading — and a stop that ends every
// response and waits until each one has released what it held (an abandoned fetch its temp file).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { chmod, lstat, unlink } from 'node:fs/promises';
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { handleRequest, type HandlerOptions } from './handler.js';

export interface ListenOptions {
  // TCP port on 127.0.0.1; 0 (the default) picks a free one.
  port?: number;
  // A Unix socket path instead of TCP.
  socket?: string;
}

export const LIMITS = {
  maxConnections: 256,
  // From the connection (or the previous response) to the end of the request's headers.
  headersTimeoutMs: 10_000,
  // A kept-alive connection with no request in flight.
  keepAliveTimeoutMs: 30_000,
  // No byte either way while sending: a client that stopped reading. (Not while fetching: a
  // whole read of a large object that is not here is downloaded before its first byte.)
  stalledMs: 120_000,
};

export interface RunningServer {
  // The base URL with the token: http://127.0.0.1:<port>/?token=… or http+unix://<path>/?token=…
  url: string;
  // Requests being answered now (for the idle timer).
  readonly active: number;
  // Called whenever `active` changes.
  onActivity(listener: () => void): void;
  // Stops accepting, ends every response, waits for each to release what it held.
  stop(): Promise<void>;
}

export async function startServer(handler: HandlerOptions, listen: ListenOptions, logger: Logger): Promise<RunningServer> {
  const inFlight = new Set<Promise<void>>();
  // The response each connection is answering now.
  const current = new WeakMap<Socket, ServerResponse>();
  const listeners: Array<() => void> = [];
  const changed = (): void => listeners.forEach((listener) => listener());

  const server = createServer({ headersTimeout: LIMITS.headersTimeoutMs, requestTimeout: LIMITS.headersTimeoutMs * 3 }, (req, res) => {
    const work = answer(req, res, handler, current, logger).finally(() => {
      inFlight.delete(work);
      changed();
    });
    inFlight.add(work);
    changed();
  });
  server.maxConnections = LIMITS.maxConnections;
  server.keepAliveTimeout = LIMITS.keepAliveTimeoutMs;
  server.setTimeout(LIMITS.stalledMs, (socket: Socket) => {
    // Still fetching (no header sent yet): not the client's fault, wait on.
    const res = current.get(socket);
    if (res === undefined || res.headersSent) socket.destroy();
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A malformed request, headers too large or too slow: 400/408 and close (never the request's
    // text in the log: it may hold the token).
    if (socket.writable) socket.end(err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  const address = await listenOn(server, listen);
  return {
    url: `${address}/?token=${handler.token}`,
    get active() {
      return inFlight.size;
    },
    onActivity: (listener) => void listeners.push(listener),
    async stop() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await Promise.allSettled([...inFlight]);
      await closing;
    },
  };
}

async function answer(req: IncomingMessage, res: ServerResponse, handler: HandlerOptions, current: WeakMap<Socket, ServerResponse>, logger: Logger): Promise<void> {
  current.set(req.socket, res);
  try {
    await handleRequest(req, res, handler);
  } catch (err) {
    logger.error({ err }, 'serve: request failed');
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  } finally {
    if (current.get(req.socket) === res) current.delete(req.socket);
  }
}

async function listenOn(server: Server, options: ListenOptions): Promise<string> {
  if (options.socket !== undefined) {
    const path = options.socket;
    await removeStaleSocket(path);
    // Created owner-only: no moment in which another user could connect.
    const umask = process.umask(0o177);
    try {
      await listening(server, () => server.listen(path));
    } finally {
      process.umask(umask);
    }
    await chmod(path, 0o600);
    return `http+unix://${encodeURIComponent(path)}`;
  }
  await listening(server, () => server.listen(options.port ?? 0, '127.0.0.1'));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function listening(server: Server, listen: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(new LfsLazyError(`cannot listen: ${err.code === 'EADDRINUSE' ? 'the address is in use' : err.message}`, { code: ErrorCode.BadRequest, cause: err }));
    };
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      resolve();
    });
    listen();
  });
}

// A socket file left by a server that is gone is replaced; a live server's, or any other file, is not.
async function removeStaleSocket(path: string): Promise<void> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats === undefined) return;
  if (!stats.isSocket()) throw new LfsLazyError(`${path} exists and is not a socket`, { code: ErrorCode.BadRequest });
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new LfsLazyError(`a server is already listening on ${path}`, { code: ErrorCode.BadRequest });
  await unlink(path);
}
