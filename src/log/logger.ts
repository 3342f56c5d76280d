// The logger of every entry point. Levels are decided here, without pino: a line below the level
// costs nothing, and pino (log/pino-sink.ts) is loaded only for the first line that is written.
import type { DestinationStream, Logger as PinoLogger } from 'pino';
import { openDestination, pinoLogger } from './pino-sink.js';

export { serializeError } from './pino-sink.js';

interface LogFn {
  (fields: object, message: string): void;
  (message: string): void;
}

// What lfs-lazy logs through. A pino logger is one too (the library's caller may pass its own).
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

export interface LoggerOptions {
  level?: string | undefined;
  // A file to append to; without one, logs go to stderr. Never stdout: it carries protocol bytes.
  file?: string | undefined;
  name?: string;
}

// pino's levels and numbers, so that lfs-lazy.loglevel means what pino documents.
const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };

// A level pino would not know is refused, as pino refuses it.
function levelValue(level: string): number {
  const value = LEVELS[level];
  if (value === undefined) throw new Error(`unknown level ${level}`);
  return value;
}

interface HeldLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  levelValue: number;
  fields: object;
  message: string;
  time: number;
}

// Lines logged before the destination is known are held, up to this many, then dropped.
const MAX_HELD = 1000;

class LevelledLogger implements Logger {
  private threshold: number;
  // Until the destination is known (createDeferredLogger): the lines, held.
  private held: HeldLine[] | undefined;
  private destination: (() => DestinationStream) | undefined;
  private pino: PinoLogger | undefined;
  private lineTime: number | undefined;

  constructor(
    private readonly name: string,
    level: string,
    destination: (() => DestinationStream) | undefined,
  ) {
    this.threshold = levelValue(level);
    this.destination = destination;
    if (destination === undefined) this.held = [];
  }

  debug(fields: object | string, message?: string): void {
    this.log('debug', 20, fields, message);
  }

  info(fields: object | string, message?: string): void {
    this.log('info', 30, fields, message);
  }

  warn(fields: object | string, message?: string): void {
    this.log('warn', 40, fields, message);
  }

  error(fields: object | string, message?: string): void {
    this.log('error', 50, fields, message);
  }

  // The destination and level are known now: the held lines at or above the level are written.
  settle(options: LoggerOptions): void {
    if (this.held === undefined) return;
    const threshold = levelValue(options.level ?? 'warn');
    const held = this.held.filter((line) => line.levelValue >= threshold);
    this.threshold = threshold;
    this.held = undefined;
    this.destination = () => openDestination(options.file);
    for (const line of held) this.write(line.level, line.fields, line.message, line.time);
  }

  private log(level: HeldLine['level'], value: number, fieldsOrMessage: object | string, message = ''): void {
    if (value < this.threshold) return;
    const fields = typeof fieldsOrMessage === 'string' ? {} : fieldsOrMessage;
    if (typeof fieldsOrMessage === 'string') message = fieldsOrMessage;
    if (this.held === undefined) this.write(level, fields, message, Date.now());
    else if (this.held.length < MAX_HELD) this.held.push({ level, levelValue: value, fields, message, time: Date.now() });
  }

  private write(level: HeldLine['level'], fields: object, message: string, time: number): void {
    this.pino ??= pinoLogger(this.name, this.destination!(), () => this.lineTime ?? Date.now());
    this.lineTime = time;
    try {
      this.pino[level](fields, message);
    } finally {
      this.lineTime = undefined;
    }
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env['LFS_LAZY_LOG_LEVEL'] ?? 'warn';
  const file = options.file ?? process.env['LFS_LAZY_LOG_FILE'];
  return new LevelledLogger(options.name ?? 'lfs-lazy', level, () => openDestination(file));
}

// A logger usable before the repository's settings (log file, level) are known, for a process that
// must answer its peer first: call `settle` with them once they are (repository/context.ts does).
// A level that is not pino's makes `settle` throw, and leaves the lines held.
export function createDeferredLogger(name: string): { logger: Logger; settle(options: LoggerOptions): void } {
  const logger = new LevelledLogger(name, process.env['LFS_LAZY_LOG_LEVEL'] ?? 'debug', undefined);
  return { logger, settle: (options) => logger.settle(options) };
}

export const silentLogger: Logger = new LevelledLogger('lfs-lazy', 'silent', () => openDestination(undefined));
