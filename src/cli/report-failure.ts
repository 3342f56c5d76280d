import { ConfigError, LfsLazyError, messageOf } from '../errors/index.js';
import { createLogger } from '../log/logger.js';
import type { CommandIO } from './command.js';
import { pathToBytes } from '../util/path-bytes.js';

// The one place a failed command becomes output: one line for the user on stderr, the whole
// error with its cause chain in the log (stderr at debug level, or the configured log file).
export function reportFailure(err: unknown, io: CommandIO, commandName: string): number {
  const message = messageOf(err);
  // A path in the message keeps its bytes (quoted by whoever wrote the message, as git quotes).
  io.stderr.write(pathToBytes(`lfs-lazy ${commandName}: ${message}\n`));
  const logFile = io.env['LFS_LAZY_LOG_FILE'];
  if (logFile || io.env['LFS_LAZY_LOG_LEVEL'] === 'debug') {
    createLogger({ file: logFile, level: 'debug' }).debug({ err }, `${commandName} failed`);
  }
  if (err instanceof ConfigError) return 78;
  if (err instanceof LfsLazyError) return 1;
  return 2;
}
