// One HTTP request to `lfs-lazy serve`: the token, the target, the file, the range, then the bytes.
// Headers go out only once the first byte (or the end) is there, so a failure to fetch is a proper
// 5xx answer rather than a 200 cut short; a failure after that can only cut the connection, which
// the client sees as a body shorter than its Content-Length. A small body (up to 256 KiB) goes out
// whole or not at all: a failure at any point of it is a 5xx.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { messageOf } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { contentRange, decideRange, type RangeDecision } from './byte-range.js';
import { contentFailureStatus, reply } from './responses.js';
import { parseTarget, type Target } from './request-target.js';
import type { Lookup, ServedFile } from './served-file.js';
import { presentedToken, tokenMatches } from './token.js';

// A body up to this size goes out with its headers in one write, once all of it is here: on
// loopback every write to the socket also pays for waking the reader, which costs more than
// waiting for the last chunk of a small body (a 64 KiB range or file).
const ONE_WRITE_BODY = 256 * 1024;

export interface HandlerOptions {
  token: string;
  find(target: Target): Promise<Lookup>;
  logger: Logger;
}

export async function handleRequest(req: IncomingMessage, res: ServerResponse, options: HandlerOptions): Promise<void> {
  const parsed = parseTarget(req.url ?? '');
  if (!tokenMatches(options.token, presentedToken(req.headers.authorization, parsed.token))) {
    // Nothing about the repository before the token; and no keep-alive for a client without one.
    return reply(res, 401, 'a valid token is required: Authorization: Bearer <token>, or ?token=<token>', {
      'WWW-Authenticate': 'Bearer realm="lfs-lazy"',
      Connection: 'close',
    });
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'only GET and HEAD are served', { Allow: 'GET, HEAD' });
  if (parsed.kind === 'refused') return reply(res, parsed.status, parsed.message);
  if (parsed.kind === 'root') return reply(res, 200, 'lfs-lazy serve: GET /<path> (the checked-out revision) or /@<rev>/<path>');

  const { target } = parsed;
  let lookup: Lookup;
  try {
    lookup = await options.find(target);
  } catch (err) {
    options.logger.error({ err, path: target.path, rev: target.rev }, 'serve: lookup failed');
    return reply(res, 500, `cannot look up ${target.path}: ${firstLineOf(err)}`);
  }
  if ('missing' in lookup) return reply(res, 404, lookup.missing);
  const { file } = lookup;
  const decision = rangeFor(req, file);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/octet-stream',
    'Accept-Ranges': 'bytes',
    ETag: file.etag,
  };
  if (decision.kind === 'unsatisfiable') {
    return reply(res, 416, `range not satisfiable: ${file.path} has ${file.size} bytes`, { ...headers, 'Content-Range': contentRange(decision, file.size)! });
  }
  const span = decision.kind === 'partial' ? { start: decision.start, end: decision.end } : undefined;
  const length = span ? span.end - span.start + 1 : file.size;
  const status = span ? 206 : 200;
  if (span) headers['Content-Range'] = contentRange(decision, file.size)!;
  headers['Content-Length'] = length;
  // HEAD fetches nothing; nor does an empty file.
  if (req.method === 'HEAD' || length === 0) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  await send(res, { file, span, length, status, headers }, options.logger);
}

// If-Range with anything but the current ETag asks for the whole file (RFC 9110 §13.1.5).
function rangeFor(req: IncomingMessage, file: ServedFile): RangeDecision {
  const ifRange = req.headers['if-range'];
  if (ifRange !== undefined && ifRange !== file.etag) return { kind: 'whole' };
  return decideRange(req.headers.range, file.size);
}

// What one answer sends: the file, its span (undefined: all of it), and the status and headers
// decided for it.
interface Answer {
  file: ServedFile;
  span: { start: number; end: number } | undefined;
  length: number;
  status: number;
  headers: Record<string, string | number>;
}

async function send(res: ServerResponse, answer: Answer, logger: Logger): Promise<void> {
  const { file, span, length, status, headers } = answer;
  if (res.destroyed) return;
  if (length <= ONE_WRITE_BODY && file.readSmall && (await sentWhole(res, answer, logger))) return;
  const abandon = new AbortController();
  const source = file.open(span, abandon.signal);
  // Its errors reach the loop below through the iterator; one that comes after (a fetch abandoned
  // once the client had gone) must not be an unhandled 'error' event.
  source.on('error', () => undefined);
  // The client gone, or the server stopping (which destroys every connection): stop the source
  // and any fetch behind it.
  const onClose = (): void => {
    abandon.abort();
    source.destroy();
  };
  res.once('close', onClose);
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let sent = 0;
  const clip = (chunk: Buffer): Buffer => (chunk.length > length - sent ? chunk.subarray(0, length - sent) : chunk);
  try {
    let next = await chunks.next();
    if (res.destroyed) return;
    if (length <= ONE_WRITE_BODY) {
      const parts: Buffer[] = [];
      for (; !next.done; next = await chunks.next()) {
        const part = clip(next.value);
        parts.push(part);
        sent += part.length;
        if (res.destroyed || sent === length) break;
      }
      if (res.destroyed) return;
      if (sent !== length) throw shortSource(file, sent, length);
      res.writeHead(status, headers);
      res.end(parts.length === 1 ? parts[0] : Buffer.concat(parts, length));
      return;
    }
    res.writeHead(status, headers);
    for (; !next.done; next = await chunks.next()) {
      const chunk = clip(next.value);
      sent += chunk.length;
      if (!res.write(chunk)) await drained(res);
      if (res.destroyed || sent === length) break;
    }
    if (sent === length) res.end();
    else if (!res.destroyed) throw shortSource(file, sent, length);
  } catch (err) {
    if (res.destroyed) return;
    logger.error({ err, path: file.path, sent }, 'serve: read failed');
    // Before the headers: a real answer. After: only cutting the connection says it.
    if (!res.headersSent) reply(res, contentFailureStatus(err), `cannot read ${file.path}: ${firstLineOf(err)}`);
    else res.destroy();
  } finally {
    res.off('close', onClose);
    source.destroy();
    await closed(source);
  }
}

// A small span goes out without a stream, read at once: from this disk, or from an object's
// verified download. False: it must be opened as a stream, and the caller does that.
async function sentWhole(res: ServerResponse, answer: Answer, logger: Logger): Promise<boolean> {
  const { file, span, length, status, headers } = answer;
  // The client gone, or the server stopping: a download for this read alone is abandoned.
  const abandon = new AbortController();
  const onClose = (): void => abandon.abort();
  res.once('close', onClose);
  let settled: Promise<void> | undefined;
  try {
    const content = await file.readSmall!(span, abandon.signal);
    if (content === undefined) return false;
    settled = content.settled;
    if (res.destroyed) return true;
    if (content.bytes.length !== length) throw shortSource(file, content.bytes.length, length);
    res.writeHead(status, headers);
    res.end(content.bytes);
  } catch (err) {
    if (res.destroyed) return true;
    logger.error({ err, path: file.path }, 'serve: read failed');
    reply(res, contentFailureStatus(err), `cannot read ${file.path}: ${firstLineOf(err)}`);
  } finally {
    res.off('close', onClose);
    // The answer is done once the read cache's copy is in place (or given up): a server that
    // stops waits for its answers, and leaves no temp file behind.
    await settled;
  }
  return true;
}

function shortSource(file: ServedFile, sent: number, length: number): Error {
  return new Error(`the source of ${file.path} ended after ${sent} of ${length} bytes`);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

// Settles once the source has released everything (an abandoned fetch removes its temp file
// before the stream closes).
function closed(stream: Readable): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

function firstLineOf(err: unknown): string {
  return messageOf(err).split('\n')[0]!;
}
