import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LfsLazyError } from '../errors/index.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export interface ParsedOptions {
  values: Record<string, string | boolean | Array<string | boolean> | undefined>;
  positionals: string[];
}

// node:util parseArgs with a one-line usage error instead of a stack trace.
export function parseOptions(args: string[], options: Options, usage: string): ParsedOptions {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new LfsLazyError(`${(err as Error).message.split('\n')[0]}\n${usage}`, { cause: err });
  }
}

export function stringOption(values: ParsedOptions['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
