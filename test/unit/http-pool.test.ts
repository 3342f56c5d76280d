// lfs-lazy's own HTTP/1.1 connections (src/http/connection.ts, src/http/pool.ts), against node's
// http server and scripted sockets on loopback: bodies byte for byte in every framing, connections
// kept and reused, a connection the server closed between requests replaced, cuts, stalls and
// aborts reported, a reader's backpressure reaching the server, the cap on connections kept.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Origin } from '../../src/http/connection.js';
import type { Http1Response } from '../../src/http/response.js';
import { Http1Pool } from '../../src/http/pool.js';

const DATA = randomBytes(5 * 1024 * 1024 + 17);

async function readAll(res: Http1Response): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of res as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function listen(server: Server): Promise<Origin> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { https: false, hostname: '127.0.0.1', port: (server.address() as AddressInfo).port };
}

const get = (path: string) => ({ method: 'GET' as const, path, headers: { host: 'test' } });

describe('HTTP/1.1 pool against node http', () => {
  let server: Server;
  let origin: Origin;
  let pool: Http1Pool;
  const connections = new Set<Socket>();
  let opened = 0;
  let handler: (req: IncomingMessage, res: ServerResponse) => void;

  before(async () => {
    server = createServer((req, res) => handler(req, res));
    server.on('connection', (socket: Socket) => {
      opened++;
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
    });
    origin = await listen(server);
  });
  after(() => {
    server.close();
    for (const socket of connections) socket.destroy();
  });
  afterEach(() => pool.close());
  const newPool = (max = 8, idleMs = 10_000): Http1Pool => (pool = new Http1Pool({ maxPerOrigin: max, connectMs: 5_000, idleMs }));

  it('GETs with a length and chunked, ranges and HEADs: every byte, over one kept-alive connection', async () => {
    newPool();
    handler = (req, res) => {
      if (req.url === '/chunked') {
        res.writeHead(200);
        for (let at = 0; at < DATA.length; at += 300_001) res.write(DATA.subarray(at, at + 300_001));
        return void res.end();
      }
      const [start, end] = req.url === '/range' ? [1000, 2999] : [0, DATA.length - 1];
      res.writeHead(req.url === '/range' ? 206 : 200, { 'content-length': end - start + 1, etag: '"e"' });
      res.end(req.method === 'HEAD' ? undefined : DATA.subarray(start, end + 1));
    };
    const before = opened;
    for (let i = 0; i < 5; i++) {
      const whole = await pool.request(origin, get('/whole'));
      assert.equal(whole.statusCode, 200);
      assert.equal(whole.headers['etag'], '"e"');
      assert.equal(createHash('sha256').update(await readAll(whole)).digest('hex'), createHash('sha256').update(DATA).digest('hex'));
      const chunked = await readAll(await pool.request(origin, get('/chunked')));
      assert.ok(chunked.equals(DATA), 'the chunked body');
      const range = await pool.request(origin, get('/range'));
      assert.equal(range.statusCode, 206);
      assert.ok((await readAll(range)).equals(DATA.subarray(1000, 3000)));
      const head = await pool.request(origin, { ...get('/whole'), method: 'HEAD' });
      assert.equal(head.headers['content-length'], String(DATA.length));
      assert.equal((await readAll(head)).length, 0);
    }
    assert.equal(opened - before, 1, 'twenty exchanges over one connection');
  });

  it("a reader that stops reading stops the socket: the server's writes wait, then every byte comes", async () => {
    newPool();
    const big = 64 * 1024 * 1024;
    let written = 0;
    let blocked!: () => void;
    const serverBlocked = new Promise<void>((resolve) => (blocked = resolve));
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': big });
      const piece = Buffer.alloc(1024 * 1024, 7);
      const go = (): void => {
        while (written < big) {
          written += piece.length;
          if (!res.write(piece)) {
            blocked();
            return void res.once('drain', go);
          }
        }
        res.end();
      };
      go();
    };
    const res = await pool.request(origin, get('/big'));
    await serverBlocked;
    // Nothing read yet: over 500 turns of the event loop (each polls the sockets), the client holds
    // no more than its stream's buffer and one read; the rest waits in the server.
    let most = 0;
    for (let turn = 0; turn < 500; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
      most = Math.max(most, res.readableLength);
    }
    assert.ok(most <= 3 * 1024 * 1024, `held ${most} bytes unread`);
    assert.ok(written < big, 'the server could not write it all');
    assert.equal((await readAll(res)).length, big);
  });

  it("a body that ended while its reader held back does not hold the connection's socket for the next exchange", async () => {
    newPool(1, 3_000);
    handler = (req, res) => {
      const size = Number(req.url!.slice(1));
      res.writeHead(200, { 'content-length': size });
      res.end(DATA.subarray(0, size));
    };
    let arose = 0;
    for (let round = 0; round < 40 && arose < 3; round++) {
      // At least the response's buffer: its last piece is pushed past it, which holds the socket.
      const size = 1024 * 1024 + round * 37_001;
      const first = await pool.request(origin, get(`/${size}`));
      for (let turn = 0; turn < 300 && first.readableLength < size; turn++) await new Promise((resolve) => setImmediate(resolve));
      if (first.readableLength === size) {
        // Its body ended unread: the one connection carries the next request.
        arose++;
        const before = opened;
        assert.equal((await readAll(await pool.request(origin, get('/100')))).length, 100);
        assert.equal(opened, before, 'over the same connection (not a new one after a stall)');
      }
      assert.equal((await readAll(first)).length, size);
    }
    assert.ok(arose > 0, 'no body ended while its reader held back');
  });

  it('a reader that destroys a response early costs that connection only: the next request gets a new one', async () => {
    newPool(1);
    handler = (_req, res) => {
      res.writeHead(200, { 'content-length': DATA.length });
      res.end(DATA);
    };
    const first = await pool.request(origin, get('/a'));
    first.destroy();
    const before = opened;
    assert.ok((await readAll(await pool.request(origin, get('/b')))).equals(DATA));
    assert.equal(opened - before, 1, 'a new connection');
  });

  it('an abort mid-body fails the body with an AbortError; an abort after its end leaves the reused connection alone', async () => {
    newPool(1);
    handler = (req, res) => {
      if (req.url === '/small') return void res.end(DATA.subarray(0, 1000));
      res.writeHead(200, { 'content-length': DATA.length });
      res.write(DATA.subarray(0, 1000));
      if (req.url === '/stall') return;
      res.end(DATA.subarray(1000));
    };
    const stalled = new AbortController();
    const res = await pool.request(origin, get('/stall'), stalled.signal);
    const reading = readAll(res);
    stalled.abort();
    await assert.rejects(reading, { name: 'AbortError' });
    // A response read off the socket but not yet by its reader: its connection carries the next.
    const done = new AbortController();
    const finished = await pool.request(origin, get('/small'), done.signal);
    const before = opened;
    const next = await pool.request(origin, get('/whole'));
    done.abort();
    assert.ok((await readAll(next)).equals(DATA), 'the next exchange on that connection is whole');
    assert.equal(opened, before, 'it reused the connection');
    assert.equal((await readAll(finished)).length, 1000);
    await assert.rejects(pool.request(origin, get('/whole'), done.signal), { name: 'AbortError' });
  });

  it('at most maxPerOrigin connections at once; the others wait their turn', async () => {
    newPool(2);
    let active = 0;
    let most = 0;
    const waiting: Array<() => void> = [];
    handler = (_req, res) => {
      active++;
      most = Math.max(most, active);
      waiting.push(() => {
        active--;
        res.writeHead(200, { 'content-length': 2 });
        res.end('ok');
      });
    };
    const before = opened;
    const all = Promise.all(Array.from({ length: 6 }, async (_, i) => (await readAll(await pool.request(origin, get(`/${i}`)))).toString()));
    // Two at once before the first answer, then one more after each.
    for (let answered = 0; answered < 6; answered++) {
      while (waiting.length < Math.min(2, 6 - answered)) await new Promise((resolve) => setImmediate(resolve));
      waiting.shift()!();
    }
    assert.deepEqual(await all, Array(6).fill('ok'));
    assert.equal(most, 2);
    assert.equal(opened - before, 2, 'six requests over two connections');
  });

  it('a request aborted while it waits for a connection fails with an AbortError once it has one, unsent', async () => {
    newPool(1);
    const urls: string[] = [];
    let answer!: () => void;
    handler = (req, res) => {
      urls.push(req.url!);
      answer = () => res.end('ok');
    };
    const first = pool.request(origin, get('/first'));
    while (urls.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const controller = new AbortController();
    const queued = pool.request(origin, get('/queued'), controller.signal);
    controller.abort();
    answer();
    assert.equal((await readAll(await first)).toString(), 'ok');
    await assert.rejects(queued, { name: 'AbortError' });
    assert.deepEqual(urls, ['/first']);
  });

  it('a header value with a line break is refused before anything is sent', async () => {
    newPool();
    await assert.rejects(pool.request(origin, { method: 'GET', path: '/x', headers: { host: 'a\r\nx-injected: 1' } }), /invalid HTTP header/);
    await assert.rejects(pool.request(origin, { method: 'GET', path: '/x y', headers: {} }), /invalid HTTP request path/);
  });
});

// A server that answers by a script on the raw socket: request number n on connection c.
function scripted(answer: (socket: Socket, connection: number, request: number) => void): { server: Server; connections: () => number } {
  let count = 0;
  const server = createNetServer((socket) => {
    const connection = ++count;
    let requests = 0;
    socket.on('data', (data) => {
      for (let i = data.indexOf('\r\n\r\n'); i !== -1; i = data.indexOf('\r\n\r\n', i + 4)) answer(socket, connection, ++requests);
    });
    socket.on('error', () => undefined);
  });
  return { server, connections: () => count };
}

describe('HTTP/1.1 pool against scripted sockets', () => {
  const servers: Server[] = [];
  after(() => servers.forEach((s) => s.close()));
  const start = async (answer: Parameters<typeof scripted>[0]): Promise<{ origin: Origin; connections: () => number }> => {
    const { server, connections } = scripted(answer);
    servers.push(server);
    return { origin: await listen(server), connections };
  };
  const pool = (idleMs = 10_000): Http1Pool => new Http1Pool({ maxPerOrigin: 4, connectMs: 5_000, idleMs });

  it('a kept-alive connection the server closes before answering is replaced once and the request sent again', async () => {
    const { origin, connections } = await start((socket, _c, request) => {
      if (request === 2) return void socket.destroy();
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    const p = pool();
    assert.equal((await readAll(await p.request(origin, get('/1')))).toString(), 'ok');
    assert.equal((await readAll(await p.request(origin, get('/2')))).toString(), 'ok');
    assert.equal(connections(), 2, 'the second request went to a new connection after the first closed');
    p.close();
  });

  it('a new connection closed before its answer is not sent again: ECONNRESET, "socket hang up"', async () => {
    const { origin, connections } = await start((socket) => socket.destroy());
    const p = pool();
    await assert.rejects(p.request(origin, get('/')), { code: 'ECONNRESET', message: 'socket hang up' });
    assert.equal(connections(), 1);
    p.close();
  });

  it('a body cut short fails its reader with ECONNRESET "aborted", never a short clean end', async () => {
    const { origin } = await start((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly some'));
    const p = pool();
    const res = await p.request(origin, get('/'));
    await assert.rejects(readAll(res), { code: 'ECONNRESET', message: 'aborted' });
    p.close();
  });

  it('a connection that breaks before the reader starts: no uncaught error, and the reader gets it when it starts', async () => {
    const { origin } = await start((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome');
      socket.destroy();
    });
    const p = pool();
    const res = await p.request(origin, get('/'));
    while (!res.destroyed) await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(readAll(res), { code: 'ECONNRESET', message: 'aborted' });
    p.close();
  });

  it('a body that stops arriving fails after the idle time-out', async () => {
    const { origin } = await start((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome'));
    const p = pool(300);
    const res = await p.request(origin, get('/'));
    await assert.rejects(readAll(res), { name: 'TimeoutError', message: /no data for 300 ms/ });
    p.close();
  });

  it('a body framed by the end of the connection ends cleanly there; the connection is not reused', async () => {
    const { origin, connections } = await start((socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nall of it'));
    const p = pool();
    assert.equal((await readAll(await p.request(origin, get('/')))).toString(), 'all of it');
    assert.equal((await readAll(await p.request(origin, get('/')))).toString(), 'all of it');
    assert.equal(connections(), 2);
    p.close();
  });

  it('an answer that is not HTTP fails the request with a ProtocolError', async () => {
    const { origin } = await start((socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    const p = pool();
    await assert.rejects(p.request(origin, get('/')), { name: 'ProtocolError' });
    p.close();
  });
});
