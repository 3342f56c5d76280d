// The HTTP/1.1 response parser of lfs-lazy's own GETs (src/http/response-parser.ts): every framing
// of a body, fed whole and cut at random places, gives the same head and the same bytes; what is
// not HTTP is refused, and a response cut short says so.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { ProtocolError, ResponseParser, type ResponseHead } from '../../src/http/response-parser.js';

interface Parsed {
  head?: ResponseHead;
  body: Buffer;
  ended: boolean;
  rest?: Buffer;
}

function parse(pieces: Buffer[], options: { noBody?: boolean; finish?: boolean } = {}): Parsed {
  const out: Parsed = { body: Buffer.alloc(0), ended: false };
  const chunks: Buffer[] = [];
  const parser = new ResponseParser(
    {
      head: (head) => (out.head = head),
      body: (chunk) => chunks.push(Buffer.from(chunk)),
      end: (rest) => {
        out.ended = true;
        out.rest = Buffer.from(rest);
      },
    },
    options.noBody ?? false,
  );
  for (const piece of pieces) parser.feed(piece);
  if (options.finish) parser.finish();
  out.body = Buffer.concat(chunks);
  return out;
}

// A seeded generator, so that a failure can be replayed.
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function cutAtRandom(bytes: Buffer, next: () => number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = Math.max(1, Math.floor(next() * (next() < 0.3 ? 8 : 300)));
    pieces.push(bytes.subarray(at, at + size));
    at += size;
  }
  return pieces;
}

function chunked(body: Buffer, next: () => number): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < body.length; ) {
    const size = Math.max(1, Math.floor(next() * 200));
    const piece = body.subarray(at, at + size);
    const extension = next() < 0.2 ? ';name="v"' : '';
    parts.push(Buffer.from(`${piece.length.toString(16)}${extension}\r\n`), piece, Buffer.from('\r\n'));
    at += size;
  }
  parts.push(Buffer.from(next() < 0.5 ? '0\r\n\r\n' : '0\r\nx-trailer: 1\r\n\r\n'));
  return Buffer.concat(parts);
}

const head = (lines: string[]): Buffer => Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);

describe('HTTP/1.1 response parser', () => {
  it('a Content-Length body, cut anywhere, comes out whole: head, bytes, end', () => {
    const next = random(1);
    for (let round = 0; round < 300; round++) {
      const body = randomBytes(Math.floor(next() * 2000));
      const bytes = Buffer.concat([head(['HTTP/1.1 200 OK', `Content-Length: ${body.length}`, 'ETag: "abc"', 'x-amz-meta-a: 1', 'X-Amz-Meta-A: 2']), body]);
      const out = parse(cutAtRandom(bytes, next));
      assert.equal(out.head?.status, 200, `round ${round}`);
      assert.equal(out.head?.statusText, 'OK');
      assert.equal(out.head?.headers['etag'], '"abc"');
      assert.equal(out.head?.headers['x-amz-meta-a'], '1, 2', 'a repeated field is its values joined');
      assert.equal(out.head?.keepAlive, true);
      assert.ok(out.body.equals(body), `round ${round}: the body`);
      assert.equal(out.ended, true);
    }
  });

  it('a chunked body, with extensions and trailers, cut anywhere, comes out whole', () => {
    const next = random(2);
    for (let round = 0; round < 300; round++) {
      const body = randomBytes(Math.floor(next() * 3000));
      const bytes = Buffer.concat([head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']), chunked(body, next)]);
      const out = parse(cutAtRandom(bytes, next));
      assert.ok(out.body.equals(body), `round ${round}: the body`);
      assert.equal(out.ended, true, `round ${round}: the end`);
      assert.equal(out.head?.keepAlive, true);
    }
  });

  it('Transfer-Encoding over Content-Length: the chunks frame the body, and the connection is not kept', () => {
    const out = parse([head(['HTTP/1.1 200 OK', 'Content-Length: 3', 'Transfer-Encoding: chunked']), Buffer.from('5\r\nhello\r\n0\r\n\r\n')]);
    assert.equal(out.body.toString(), 'hello');
    assert.equal(out.ended, true);
    assert.equal(out.head?.keepAlive, false);
  });

  it('no body: a HEAD whatever its length says, a 204, a 304, a length of 0', () => {
    const withLength = head(['HTTP/1.1 200 OK', 'Content-Length: 42']);
    const headOut = parse([withLength], { noBody: true });
    assert.equal(headOut.head?.headers['content-length'], '42');
    assert.equal(headOut.ended, true);
    assert.equal(headOut.body.length, 0);
    for (const status of ['204 No Content', '304 Not Modified']) assert.equal(parse([head([`HTTP/1.1 ${status}`, 'Content-Length: 5'])]).ended, true, status);
    assert.equal(parse([head(['HTTP/1.1 200 OK', 'Content-Length: 0'])]).ended, true);
  });

  it('a body without a length runs until the connection ends, which ends it cleanly; the connection is not kept', () => {
    const out = parse([head(['HTTP/1.1 200 OK']), Buffer.from('abc'), Buffer.from('def')], { finish: true });
    assert.equal(out.body.toString(), 'abcdef');
    assert.equal(out.ended, true);
    assert.equal(out.head?.keepAlive, false);
  });

  it('1xx answers before the real one are skipped', () => {
    const out = parse([Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'), head(['HTTP/1.1 206 Partial Content', 'Content-Length: 2']), Buffer.from('ok')]);
    assert.equal(out.head?.status, 206);
    assert.equal(out.body.toString(), 'ok');
  });

  it('keep-alive: HTTP/1.1 unless Connection: close, HTTP/1.0 only with Connection: keep-alive', () => {
    const keep = (lines: string[]): boolean | undefined => parse([head([...lines, 'Content-Length: 0'])]).head?.keepAlive;
    assert.equal(keep(['HTTP/1.1 200 OK']), true);
    assert.equal(keep(['HTTP/1.1 200 OK', 'Connection: Close']), false);
    assert.equal(keep(['HTTP/1.0 200 OK']), false);
    assert.equal(keep(['HTTP/1.0 200 OK', 'Connection: keep-alive']), true);
  });

  it('bytes after the end of a response are handed back, not taken as body', () => {
    const out = parse([Buffer.concat([head(['HTTP/1.1 200 OK', 'Content-Length: 3']), Buffer.from('abcEXTRA')])]);
    assert.equal(out.body.toString(), 'abc');
    assert.equal(out.rest?.toString(), 'EXTRA');
  });

  it('what is not HTTP/1.1 is refused with a ProtocolError', () => {
    const refused = [
      [Buffer.from('HTTP/2 200\r\n\r\n')],
      [Buffer.from('hello world\r\n\r\n')],
      [head(['HTTP/1.1 200 OK', 'Content-Length: 12abc'])],
      [head(['HTTP/1.1 200 OK', 'Content-Length: 3', 'Content-Length: 4'])],
      [head(['HTTP/1.1 200 OK', 'Bad Name: x', 'Content-Length: 0'])],
      [head(['HTTP/1.1 200 OK', ' folded: x'])],
      [head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']), Buffer.from('zz\r\n')],
      [head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']), Buffer.from('2\r\nabc\r\n')],
      [Buffer.from(`HTTP/1.1 200 OK\r\nx: ${'a'.repeat(70_000)}`)],
    ];
    for (const pieces of refused) assert.throws(() => parse(pieces), ProtocolError, pieces[0]!.toString('latin1', 0, 40));
    // The same length twice (a proxy's doing) is one length.
    assert.equal(parse([head(['HTTP/1.1 200 OK', 'Content-Length: 2', 'Content-Length: 2']), Buffer.from('ok')]).body.toString(), 'ok');
  });

  it('a response cut short: "socket hang up" before its head, "aborted" in its body, both ECONNRESET', () => {
    assert.throws(() => parse([Buffer.from('HTTP/1.1 200 OK\r\nContent-')], { finish: true }), { message: 'socket hang up', code: 'ECONNRESET' });
    assert.throws(() => parse([head(['HTTP/1.1 200 OK', 'Content-Length: 10']), Buffer.from('abc')], { finish: true }), { message: 'aborted', code: 'ECONNRESET' });
    assert.throws(() => parse([head(['HTTP/1.1 200 OK', 'Transfer-Encoding: chunked']), Buffer.from('5\r\nab')], { finish: true }), { message: 'aborted' });
  });
});
