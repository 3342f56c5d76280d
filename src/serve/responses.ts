// The server's answers that carry no file: one line of text, and the status a failure to read
// becomes.
import type { ServerResponse } from 'node:http';
import { ErrorCode, LfsLazyError } from '../errors/index.js';

export function reply(res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  if (res.destroyed) return;
  const body = Buffer.from(`${message.replace(/[\r\n]+/g, ' ')}\n`, 'utf8');
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

// A file that was found but whose bytes could not be read. The object store is the server's
// upstream: an object missing there, credentials it refused or bytes that fail verification are a
// bad gateway (502); a store that is down or throttling, or a file that changed while being read,
// is worth retrying (503).
export function contentFailureStatus(err: unknown): number {
  if (!(err instanceof LfsLazyError)) return 500;
  if (err.retryable || err.code === ErrorCode.Unavailable) return 503;
  switch (err.code) {
    case ErrorCode.NotFound:
    case ErrorCode.AccessDenied:
    case ErrorCode.Integrity:
      return 502;
    // A pointer with git-lfs extensions: its object is not the file's content.
    case ErrorCode.BadRequest:
      return 501;
    default:
      return 500;
  }
}
