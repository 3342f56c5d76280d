// pino, loaded only when a line is actually written: most commands log nothing, and loading pino
// (30 CommonJS modules) was a quarter of their start-up. Loaded with require, synchronously, so
// that a line is written in the call that logs it.
import { createRequire } from 'node:module';
import type { DestinationStream, Logger as PinoLogger, LoggerOptions as PinoOptions } from 'pino';

type Pino = typeof import('pino');

let loaded: Pino | undefined;

function pinoModule(): Pino {
  loaded ??= createRequire(import.meta.url)('pino') as Pino;
  return loaded;
}

// A file to append to (made private to the user), or stderr. Never stdout: it carries protocol bytes.
export function openDestination(file: string | undefined): DestinationStream {
  const pino = pinoModule();
  return file ? pino.destination({ dest: file, append: true, mkdir: true, sync: true, mode: 0o600 }) : pino.destination({ fd: 2, sync: true });
}

// `time` says when the line was logged: a line held until the destination was known keeps its own time.
export function pinoLogger(name: string, destination: DestinationStream, time: () => number): PinoLogger {
  return pinoModule()(pinoOptions(name, time), destination);
}

// What a logged error may show. SDK errors carry the server's error document as properties: S3's
// SignatureDoesNotMatch answer includes the canonical request, session token (x-amz-security-token)
// included, and the access key id; `$response` holds the raw answer. None of that is logged.
const SAFE_ERROR_FIELDS = new Set(['type', 'message', 'stack', 'name', 'code', 'Code', 'errno', 'syscall', 'path', 'retryable', 'oid']);

export function serializeError(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const full = (err instanceof Error ? pinoModule().stdSerializers.err(err) : err) as Record<string, unknown>;
  const safe: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(full)) {
    if (SAFE_ERROR_FIELDS.has(key) && (typeof value !== 'object' || value === null)) safe[key] = value;
  }
  const metadata = (err as { $metadata?: { httpStatusCode?: unknown; requestId?: unknown; attempts?: unknown } }).$metadata;
  if (metadata && typeof metadata === 'object') {
    const { httpStatusCode, requestId, attempts } = metadata;
    safe['$metadata'] = { httpStatusCode, requestId, attempts };
  }
  return safe;
}

function pinoOptions(name: string, time: () => number): PinoOptions {
  return {
    // The level is decided before a line gets here (logger.ts): pino writes whatever it is given.
    level: 'trace',
    name,
    timestamp: () => `,"time":${time()}`,
    serializers: { err: serializeError },
    // Credentials can ride along on SDK errors and config objects; cut them wherever they appear.
    redact: {
      paths: [
        'credentials',
        '*.credentials',
        '*.secretAccessKey',
        '*.sessionToken',
        '*.accessKeyId',
        '*.authorization',
        '*.Authorization',
        '*.headers.authorization',
      ],
      censor: '[redacted]',
    },
  };
}
