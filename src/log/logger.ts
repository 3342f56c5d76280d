import pino, { type Logger, type LoggerOptions as PinoOptions } from 'pino';
import { DeferredDestination } from './deferred-destination.js';

export type { Logger };

export interface LoggerOptions {
  level?: string | undefined;
  // A file to append to; without one, logs go to stderr. Never stdout: it carries protocol bytes.
  file?: string | undefined;
  name?: string;
}

// What a logged error may show. SDK errors carry the server's error document as properties: S3's
// SignatureDoesNotMatch answer includes the canonical request, session token (x-amz-security-token)
// included, and the access key id; `$response` holds the raw answer. None of that is logged.
const SAFE_ERROR_FIELDS = new Set(['type', 'message', 'stack', 'name', 'code', 'Code', 'errno', 'syscall', 'path', 'retryable', 'oid']);

export function serializeError(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const full = (err instanceof Error ? pino.stdSerializers.err(err) : err) as Record<string, unknown>;
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

function pinoOptions(level: string, name: string): PinoOptions {
  return {
    level,
    name,
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

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env['LFS_LAZY_LOG_LEVEL'] ?? 'warn';
  const file = options.file ?? process.env['LFS_LAZY_LOG_FILE'];
  const destination = file
    ? pino.destination({ dest: file, append: true, mkdir: true, sync: true, mode: 0o600 })
    : pino.destination({ fd: 2, sync: true });
  return pino(pinoOptions(level, options.name ?? 'lfs-lazy'), destination);
}

// A logger usable before the repository's settings (log file, level) are known, for a process that
// must answer its peer first: call `settle` with them once they are (repository/context.ts does).
export function createDeferredLogger(name: string): { logger: Logger; settle(options: LoggerOptions): void } {
  const destination = new DeferredDestination();
  const logger = pino(pinoOptions(process.env['LFS_LAZY_LOG_LEVEL'] ?? 'debug', name), destination);
  const settle = (options: LoggerOptions): void => {
    logger.level = options.level ?? 'warn';
    destination.settle(options.file, logger.levelVal);
  };
  return { logger, settle };
}

export const silentLogger: Logger = pino({ level: 'silent' }, pino.destination({ fd: 2, sync: true }));
