// An HTTP/1.1 response, parsed from the bytes as they come (RFC 9112): the status line and header
// fields, then the body framed by Content-Length, by chunked transfer coding, or by the end of the
// connection. Pure: it is fed buffers and calls back; it never touches a socket. The body comes out
// as views of the buffers fed in, never copied.

export interface ResponseHead {
  status: number;
  statusText: string;
  // Field names lower-cased; a repeated field's values joined by ", " (RFC 9110 5.3).
  headers: Record<string, string>;
  // Whether the connection may carry another request once this response has ended.
  keepAlive: boolean;
}

export interface ParserEvents {
  head(head: ResponseHead): void;
  body(chunk: Buffer): void;
  // The whole response has been read; bytes after it, if any (none are expected: one request at a time).
  end(rest: Buffer): void;
}

// What a response head may take up: S3's are under 2 KiB.
export const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4096;

type State =
  | { kind: 'head' }
  | { kind: 'length'; left: number }
  | { kind: 'chunk-size' }
  | { kind: 'chunk-data'; left: number }
  | { kind: 'chunk-end' }
  | { kind: 'trailers' }
  | { kind: 'until-close' }
  | { kind: 'done' };

export class ProtocolError extends Error {
  readonly code = 'HPE_INVALID';
  constructor(message: string) {
    super(`invalid HTTP response: ${message}`);
    this.name = 'ProtocolError';
  }
}

export class ResponseParser {
  private state: State = { kind: 'head' };
  // Bytes of a head or of a chunk line not yet complete.
  private pending: Buffer | undefined;

  // `noBody`: the request was a HEAD, whose response never has one whatever its headers say.
  constructor(
    private readonly events: ParserEvents,
    private readonly noBody: boolean,
  ) {}

  get done(): boolean {
    return this.state.kind === 'done';
  }

  // Whether the body is framed by the end of the connection (which then ends it cleanly).
  get readsUntilClose(): boolean {
    return this.state.kind === 'until-close';
  }

  feed(data: Buffer): void {
    let at = 0;
    while (at < data.length && this.state.kind !== 'done') at = this.step(data, at);
    if (this.state.kind === 'done') this.events.end(data.subarray(at));
  }

  // The connection ended cleanly: the end of a body framed by it, or else a response cut short.
  finish(): void {
    if (this.state.kind === 'until-close') {
      this.state = { kind: 'done' };
      this.events.end(Buffer.alloc(0));
    } else if (this.state.kind !== 'done') {
      throw this.cutShort();
    }
  }

  // What a response broken off here is called, as node's client says it: ECONNRESET, "socket hang
  // up" before its head came, "aborted" after.
  cutShort(): Error {
    return Object.assign(new Error(this.state.kind === 'head' ? 'socket hang up' : 'aborted'), { code: 'ECONNRESET' });
  }

  private step(data: Buffer, at: number): number {
    const state = this.state;
    switch (state.kind) {
      case 'head':
        return this.readHead(data, at);
      case 'length':
      case 'chunk-data': {
        const take = Math.min(state.left, data.length - at);
        this.events.body(data.subarray(at, at + take));
        state.left -= take;
        if (state.left === 0) this.state = state.kind === 'length' ? { kind: 'done' } : { kind: 'chunk-end' };
        return at + take;
      }
      case 'until-close':
        this.events.body(data.subarray(at));
        return data.length;
      case 'chunk-size':
      case 'chunk-end':
      case 'trailers':
        return this.readChunkLine(data, at, state.kind);
      case 'done':
        return data.length;
    }
  }

  // Up to and including the blank line that ends the head.
  private readHead(data: Buffer, at: number): number {
    const { line: head, next } = this.takeUntil(data, at, '\r\n\r\n', MAX_HEAD_BYTES, 'a response head');
    if (head === undefined) return next;
    const parsed = parseHead(head.toString('latin1'));
    // 1xx answers (100 Continue, 103 Early Hints) precede the real one.
    if (parsed.status < 200) return next;
    this.state = bodyState(parsed, this.noBody);
    this.events.head(parsed);
    return next;
  }

  private readChunkLine(data: Buffer, at: number, kind: 'chunk-size' | 'chunk-end' | 'trailers'): number {
    const { line, next } = this.takeUntil(data, at, '\r\n', MAX_CHUNK_LINE, 'a chunk line');
    if (line === undefined) return next;
    const text = line.toString('latin1');
    if (kind === 'chunk-end') {
      if (text !== '') throw new ProtocolError('chunk data longer than its size');
      this.state = { kind: 'chunk-size' };
    } else if (kind === 'trailers') {
      // Trailer fields are read and dropped; a blank line ends the message.
      if (text === '') this.state = { kind: 'done' };
    } else {
      const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(text)?.[1];
      if (size === undefined) throw new ProtocolError(`bad chunk size line ${JSON.stringify(text.slice(0, 40))}`);
      const left = parseInt(size, 16);
      this.state = left === 0 ? { kind: 'trailers' } : { kind: 'chunk-data', left };
    }
    return next;
  }

  // The bytes before `delimiter` (joined with what earlier buffers left), and where to go on; no
  // line while the delimiter has yet to come.
  private takeUntil(data: Buffer, at: number, delimiter: string, limit: number, what: string): { line?: Buffer; next: number } {
    const joined = this.pending ? Buffer.concat([this.pending, data.subarray(at)]) : data.subarray(at);
    const offset = this.pending ? this.pending.length : 0;
    // Search from where the delimiter could start in the new bytes.
    const end = joined.indexOf(delimiter, Math.max(0, offset - delimiter.length + 1), 'latin1');
    if (end === -1) {
      if (joined.length > limit) throw new ProtocolError(`${what} longer than ${limit} bytes`);
      this.pending = Buffer.from(joined);
      return { next: data.length };
    }
    if (end > limit) throw new ProtocolError(`${what} longer than ${limit} bytes`);
    this.pending = undefined;
    return { line: joined.subarray(0, end), next: at + end + delimiter.length - offset };
  }
}

function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const statusLine = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: (.*))?$/.exec(lines[0]!);
  if (!statusLine) throw new ProtocolError(`bad status line ${JSON.stringify(lines[0]!.slice(0, 60))}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    // No obsolete line folding, no space before the colon (RFC 9112 5.1, 5.2).
    if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) throw new ProtocolError(`bad header line ${JSON.stringify(line.slice(0, 60))}`);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  const connection = (headers['connection'] ?? '').toLowerCase();
  const keepAlive = statusLine[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  return { status: Number(statusLine[2]), statusText: statusLine[3] ?? '', headers, keepAlive };
}

// How the body is framed (RFC 9112 6.3).
function bodyState(head: ResponseHead, noBody: boolean): State {
  if (noBody || head.status === 204 || head.status === 304) return { kind: 'done' };
  const coding = head.headers['transfer-encoding'];
  if (coding !== undefined) {
    // With a Content-Length too, the coding frames the body (RFC 9112 6.3), and a connection that
    // carried such a message, a sign of response splitting, is not used again.
    if (head.headers['content-length'] !== undefined) head.keepAlive = false;
    if (!/(?:^|,)\s*chunked\s*$/i.test(coding)) {
      head.keepAlive = false;
      return { kind: 'until-close' };
    }
    return { kind: 'chunk-size' };
  }
  const length = head.headers['content-length'];
  if (length === undefined) {
    head.keepAlive = false;
    return { kind: 'until-close' };
  }
  // Repeated identical values (a proxy's doing) are one; anything else is not a length.
  const values = new Set(length.split(',').map((v) => v.trim()));
  const only = values.size === 1 ? [...values][0]! : '';
  if (!/^[0-9]{1,15}$/.test(only)) throw new ProtocolError(`bad Content-Length ${JSON.stringify(length.slice(0, 40))}`);
  const left = Number(only);
  return left === 0 ? { kind: 'done' } : { kind: 'length', left };
}
