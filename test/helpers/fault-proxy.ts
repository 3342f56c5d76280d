// An HTTP proxy on 127.0.0.1 in front of s3rver that breaks requests on purpose, one rule at a
// time, so the fault tests can prove what lfs-lazy does when the network or the store misbehaves.
// Everything no rule matches is forwarded unchanged (raw header names and order, body bytes).
import { request as httpRequest, createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type FaultAction =
  // Close the listening socket (and every open connection): the client sees ECONNREFUSED.
  | { kind: 'refuse' }
  // Accept the request, then destroy the connection without a byte of answer.
  | { kind: 'drop' }
  // Forward, then send the response headers and `afterBytes` of the body, then reset.
  // direction 'request': pass `afterBytes` of the request body upstream, then reset both sides.
  | { kind: 'reset'; afterBytes: number; direction?: 'response' | 'request' }
  // Never answer; with `afterBytes`, forward and stop after that much of the response body.
  // direction 'request': pass `afterBytes` of the request body upstream, then hold both sides open
  // (an upload in flight, for killing the uploader mid-body); both are cut once the client goes.
  | { kind: 'stall'; afterBytes?: number; direction?: 'response' | 'request' }
  // Hold the request `ms`, then forward it unchanged: a slow server.
  | { kind: 'delay'; ms: number }
  // An S3 error answer with a proper XML body (none for HEAD); the request is not forwarded.
  | { kind: 'status'; status: 403 | 404 | 500 | 503; code?: string }
  // Forward, but invert the response body's byte at `offset` (default 0).
  | { kind: 'flip'; offset?: number }
  // Forward with the real Content-Length, send only `bytes` of the body, then close.
  | { kind: 'truncate'; bytes: number };

export interface FaultRule {
  method?: string;
  // Substring of the request target (path and query), e.g. the oid or "uploadId=".
  path?: string;
  // Fault only the nth matching request (1-based).
  nth?: number;
  // Fault only the first `times` matching requests, then pass through (default: all of them).
  times?: number;
  action: FaultAction;
}

export interface SeenRequest {
  method: string;
  url: string;
  // The Range header, to tell a resumed download from a restarted one.
  range: string | undefined;
  faulted: boolean;
}

export interface FaultProxy {
  endpoint: string;
  port: number;
  // Every request that reached the proxy, in order.
  readonly seen: SeenRequest[];
  // Replaces the active rule and empties `seen`, so counts are per fault. Both setFault and
  // clearFault first check that the rule before them fired (as often as its `times` says, at
  // least once) and throw if it did not: a fault test cannot pass with a fault that never happened.
  setFault(rule: FaultRule): Promise<void>;
  clearFault(): Promise<void>;
  resetCounters(): void;
  // Requests seen that match (method, path substring); `faulted` filters on whether one was broken.
  count(match?: { method?: string; path?: string; faulted?: boolean }): number;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

// FAULT_PROXY_SABOTAGE=1 makes the proxy forward everything unchanged, to show that the fault tests
// then fail (each checks its fault fired): `FAULT_PROXY_SABOTAGE=1 node scripts/run-tests.mjs faults-`.
const SABOTAGED = process.env['FAULT_PROXY_SABOTAGE'] === '1';

const S3_ERRORS: Record<number, { code: string; message: string }> = {
  403: { code: 'AccessDenied', message: 'Access Denied' },
  404: { code: 'NoSuchKey', message: 'The specified key does not exist.' },
  500: { code: 'InternalError', message: 'We encountered an internal error. Please try again.' },
  503: { code: 'SlowDown', message: 'Please reduce your request rate.' },
};

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  let rule: FaultRule | undefined;
  let matched = 0;
  // The rule whose firing is still to be checked, and how often it fired.
  let armed: FaultRule | undefined;
  let fired = 0;
  const seen: SeenRequest[] = [];
  const checkFired = (): void => {
    const last = armed;
    armed = undefined;
    if (last === undefined) return;
    const needed = last.times ?? 1;
    if (fired < needed) {
      throw new Error(`the fault ${JSON.stringify(last)} fired ${fired} time(s), expected at least ${needed}: the test did not test what it says`);
    }
  };

  const pick = (req: IncomingMessage): FaultAction | undefined => {
    if (!rule || SABOTAGED) return undefined;
    if (rule.method && rule.method !== req.method) return undefined;
    if (rule.path && !(req.url ?? '').includes(rule.path)) return undefined;
    matched++;
    if (rule.nth !== undefined) return matched === rule.nth ? rule.action : undefined;
    return rule.times === undefined || matched <= rule.times ? rule.action : undefined;
  };

  const server: Server = createServer((req, res) => {
    const action = pick(req);
    if (action) fired++;
    seen.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range, faulted: action !== undefined });
    handle(req, res, action, target);
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => server.once('error', reject).listen(port, HOST, () => (server.off('error', reject), resolve())));
  const closeListener = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });

  await listen(0);
  const port = (server.address() as AddressInfo).port;
  let listening = true;

  return {
    endpoint: `http://${HOST}:${port}`,
    port,
    seen,
    async setFault(next) {
      checkFired();
      rule = next;
      armed = next;
      matched = 0;
      fired = 0;
      seen.length = 0;
      if (next.action.kind === 'refuse' && listening && !SABOTAGED) {
        listening = false;
        // Nothing reaches a closed port to be counted: closing it is the fault.
        fired = 1;
        await closeListener();
      }
    },
    async clearFault() {
      rule = undefined;
      matched = 0;
      if (!listening) {
        // Same port again: the store under test keeps its endpoint.
        await listen(port);
        listening = true;
      }
      checkFired();
    },
    resetCounters() {
      seen.length = 0;
    },
    count(match = {}) {
      return seen.filter(
        (r) =>
          (match.method === undefined || r.method === match.method) &&
          (match.path === undefined || r.url.includes(match.path)) &&
          (match.faulted === undefined || r.faulted === match.faulted),
      ).length;
    },
    // Clean-up, so it never throws (an after() hook must get to stop the servers).
    async close() {
      rule = undefined;
      armed = undefined;
      if (listening) await closeListener();
      listening = false;
    },
  };
}

function handle(req: IncomingMessage, res: ServerResponse, action: FaultAction | undefined, target: URL): void {
  switch (action?.kind) {
    case 'drop':
      req.socket.destroy();
      return;
    case 'status':
      // Read the whole request first, so the client never sees EPIPE instead of the answer.
      req.resume();
      req.once('end', () => sendS3Error(req, res, action.status, action.code));
      return;
    case 'delay': {
      const timer = setTimeout(() => forward(req, res, undefined, target), action.ms);
      res.once('close', () => clearTimeout(timer));
      return;
    }
    case 'stall':
      if (action.direction === 'request') {
        forwardPartialRequest(req, res, action.afterBytes ?? 0, target, 'hold');
        return;
      }
      if (action.afterBytes === undefined) {
        req.resume(); // take the body, answer nothing
        return;
      }
      break;
    case 'reset':
      if (action.direction === 'request') {
        forwardPartialRequest(req, res, action.afterBytes, target);
        return;
      }
      break;
    default:
  }
  forward(req, res, action, target);
}

function forward(req: IncomingMessage, res: ServerResponse, action: FaultAction | undefined, target: URL): void {
  const upstream = httpRequest(
    { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.rawHeaders },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, up.rawHeaders);
      res.flushHeaders();
      if (!action) {
        up.pipe(res);
        return;
      }
      mangleBody(up, res, action);
    },
  );
  upstream.once('error', () => res.socket?.destroy());
  res.once('close', () => upstream.destroy());
  req.pipe(upstream);
}

// Passes the first `limit` bytes of the request body upstream, then cuts both connections: the
// server sees a truncated upload, the client a reset. `hold`: passes them and then waits, cutting
// both only once the client has gone away.
function forwardPartialRequest(req: IncomingMessage, res: ServerResponse, limit: number, target: URL, then: 'cut' | 'hold' = 'cut'): void {
  const upstream = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.rawHeaders });
  upstream.once('error', () => undefined);
  let sent = 0;
  const cut = (): void => {
    upstream.destroy();
    res.socket?.destroy();
  };
  if (then === 'hold') req.socket.once('close', cut);
  req.on('data', (chunk: Buffer) => {
    const room = limit - sent;
    if (room > 0) upstream.write(chunk.subarray(0, room));
    sent += chunk.length;
    if (sent >= limit && then === 'cut') cut();
  });
  req.once('end', () => {
    if (then === 'cut') cut();
  });
}

function mangleBody(up: IncomingMessage, res: ServerResponse, action: FaultAction): void {
  let offset = 0;
  let stopped = false;
  // Past the fault, the rest of the upstream body is read and dropped: upstream stays healthy.
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    // reset: cut at once; truncate: a clean close after what was written; stall: keep it open.
    if (action.kind === 'reset') res.socket?.destroy();
    else if (action.kind === 'truncate') res.socket?.end();
  };
  up.on('data', (chunk: Buffer) => {
    if (stopped) return;
    const start = offset;
    offset += chunk.length;
    if (action.kind === 'flip') {
      const at = (action.offset ?? 0) - start;
      if (at >= 0 && at < chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[at] = (chunk[at] ?? 0) ^ 0xff;
      }
      res.write(chunk);
      return;
    }
    const limit = action.kind === 'truncate' ? action.bytes : action.kind === 'reset' || action.kind === 'stall' ? (action.afterBytes ?? 0) : Infinity;
    if (start < limit) res.write(chunk.subarray(0, limit - start));
    if (offset >= limit) stop();
  });
  up.once('end', () => {
    if (action.kind === 'flip') res.end();
    else stop(); // a body shorter than the limit still gets the fault
  });
}

function sendS3Error(req: IncomingMessage, res: ServerResponse, status: number, code?: string): void {
  const known = S3_ERRORS[status] ?? { code: 'Error', message: 'error' };
  const resource = (req.url ?? '/').split('?')[0] ?? '/';
  const body =
    req.method === 'HEAD'
      ? ''
      : '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<Error><Code>${code ?? known.code}</Code><Message>${known.message}</Message>` +
        `<Resource>${resource}</Resource><RequestId>FAULTPROXY</RequestId></Error>`;
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(body),
    'x-amz-request-id': 'FAULTPROXY',
  });
  res.end(body);
}

// The environment layer that points lfs-lazy at the proxy, with small retry and time-out settings
// so that every fault test ends within seconds.
export function faultEnv(proxy: FaultProxy, options: { maxAttempts?: number; idleMs?: number } = {}): NodeJS.ProcessEnv {
  return {
    LFS_LAZY_ENDPOINT: proxy.endpoint,
    LFS_LAZY_MAX_ATTEMPTS: String(options.maxAttempts ?? 3),
    LFS_LAZY_IDLE_TIMEOUT_MS: String(options.idleMs ?? 1_500),
    LFS_LAZY_CONNECT_TIMEOUT_MS: '1000',
  };
}
