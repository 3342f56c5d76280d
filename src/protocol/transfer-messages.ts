// The git-lfs custom transfer protocol: one JSON object per line in each direction. Pure: no I/O,
// so every malformed-input case is testable as a table.
import { isAbsolute } from 'node:path';
import { ProtocolError, type WireError } from '../errors/index.js';
import { isValidOid } from '../util/oid.js';

export type Operation = 'upload' | 'download';

export interface InitRequest {
  readonly event: 'init';
  readonly operation: Operation;
  // A remote name ("origin"), or a URL/path when the user pushed to one.
  readonly remote: string;
  readonly concurrent: boolean;
  readonly concurrenttransfers: number;
}

export interface UploadRequest {
  readonly event: 'upload';
  readonly oid: string;
  readonly size: number;
  // Absolute path of the local object (inside .git/lfs/objects): read it, never move it.
  readonly path: string;
  // null in standalone mode; a server's {href, header, expires_at} otherwise. Unused by lfs-lazy.
  readonly action: unknown;
}

export interface DownloadRequest {
  readonly event: 'download';
  readonly oid: string;
  readonly size: number;
  readonly action: unknown;
}

export interface TerminateRequest {
  readonly event: 'terminate';
}

export type TransferRequest = UploadRequest | DownloadRequest;
export type Request = InitRequest | TransferRequest | TerminateRequest;

// git-lfs accepts any object without "error" as a successful init.
export type InitOk = Record<string, never>;
export interface InitError {
  readonly error: WireError;
}
export interface ProgressEvent {
  readonly event: 'progress';
  readonly oid: string;
  readonly bytesSoFar: number;
  readonly bytesSinceLast: number;
}
export interface CompleteOk {
  readonly event: 'complete';
  readonly oid: string;
  // Downloads only: the absolute path of the verified temp file git-lfs will rename into place.
  readonly path?: string;
}
export interface CompleteError {
  readonly event: 'complete';
  readonly oid: string;
  readonly error: WireError;
}
export type Response = InitOk | InitError | ProgressEvent | CompleteOk | CompleteError;

// A request that could not be decoded. `oid` is set when the line named one, so the agent can still
// answer git-lfs, which waits for a `complete` carrying exactly that oid.
export class MalformedRequestError extends ProtocolError {
  constructor(
    message: string,
    readonly oid: string | undefined = undefined,
  ) {
    super(message);
  }
}

const EXCERPT_CHARS = 80;

// Input is echoed into messages and logs only in short form: strings quoted, other JSON as written.
function excerpt(value: unknown): string {
  if (value === undefined) return '(missing)';
  // String(): JSON.stringify would show an out-of-range number (1e400 → Infinity) as null.
  const text = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  const short = typeof value === 'string' ? JSON.stringify(text.slice(0, EXCERPT_CHARS)) : text.slice(0, EXCERPT_CHARS);
  return text.length > EXCERPT_CHARS ? `${short}…` : short;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

export function decodeRequest(line: string): Request {
  if (line.trim() === '') throw new MalformedRequestError('blank line where a JSON request was expected');
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new MalformedRequestError(`request is not JSON: ${excerpt(line)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedRequestError(`request must be a JSON object, got ${describeType(value)}: ${excerpt(line)}`);
  }
  const fields = value as Record<string, unknown>;
  const oid = typeof fields['oid'] === 'string' ? fields['oid'] : undefined;
  const event = fields['event'];
  switch (event) {
    case 'init':
      return decodeInit(fields);
    case 'upload':
    case 'download':
      return decodeTransfer(event, fields);
    case 'terminate':
      return { event: 'terminate' };
    case undefined:
      throw new MalformedRequestError(`request has no "event" field: ${excerpt(line)}`, oid);
    default:
      throw new MalformedRequestError(`unknown event ${excerpt(event)}; expected init, upload, download or terminate`, oid);
  }
}

function decodeInit(fields: Record<string, unknown>): InitRequest {
  const operation = fields['operation'];
  if (operation !== 'upload' && operation !== 'download') {
    throw new MalformedRequestError(`init has invalid operation ${excerpt(operation)}; expected "upload" or "download"`);
  }
  // Informational fields: a missing or odd one must not fail the whole batch, so they get defaults.
  const { remote, concurrent, concurrenttransfers } = fields;
  return {
    event: 'init',
    operation,
    remote: typeof remote === 'string' ? remote : '',
    concurrent: typeof concurrent === 'boolean' ? concurrent : true,
    concurrenttransfers: Number.isSafeInteger(concurrenttransfers) && (concurrenttransfers as number) > 0 ? (concurrenttransfers as number) : 1,
  };
}

function decodeTransfer(event: Operation, fields: Record<string, unknown>): TransferRequest {
  const { oid, size, path } = fields;
  const carried = typeof oid === 'string' ? oid : undefined;
  if (!isValidOid(oid)) {
    throw new MalformedRequestError(`${event} request has invalid oid ${excerpt(oid)}; expected 64 lowercase hex characters`, carried);
  }
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new MalformedRequestError(`${event} request for ${oid} has invalid size ${excerpt(size)}; expected a non-negative integer`, oid);
  }
  const action = fields['action'] ?? null;
  if (event === 'download') return { event, oid, size, action };
  if (typeof path !== 'string' || !isAbsolute(path) || path.includes('\0')) {
    throw new MalformedRequestError(`upload request for ${oid} needs the absolute path of the local object, got ${excerpt(path)}`, oid);
  }
  return { event, oid, size, path, action };
}

// JSON.stringify escapes control characters, so the only newline is the terminator.
export function encodeResponse(message: Response): string {
  return `${JSON.stringify(message)}\n`;
}
