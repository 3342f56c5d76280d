import pino, { type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  level?: string | undefined;
  // A file to append to; without one, logs go to stderr. Never stdout: it carries protocol bytes.
  file?: string | undefined;
  name?: string;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env['LFS_LAZY_LOG_LEVEL'] ?? 'warn';
  const file = options.file ?? process.env['LFS_LAZY_LOG_FILE'];
  const destination = file
    ? pino.destination({ dest: file, append: true, mkdir: true, sync: true, mode: 0o600 })
    : pino.destination({ fd: 2, sync: true });
  return pino(
    {
      level,
      name: options.name ?? 'lfs-lazy',
      // Credentials can ride along on SDK errors and config objects; cut them wherever they appear.
      redact: {
        paths: ['*.secretAccessKey', '*.sessionToken', '*.accessKeyId', 'credentials', '*.credentials', '*.authorization', '*.Authorization'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export const silentLogger: Logger = pino({ level: 'silent' }, pino.destination({ fd: 2, sync: true }));
