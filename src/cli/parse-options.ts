import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ErrorCode, LfsLazyError } from '../errors/index.js';

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
    throw new LfsLazyError(`${optionProblem(err as NodeJS.ErrnoException)}\n${usage}`, { code: ErrorCode.BadRequest, cause: err });
  }
}

// Node's own wording quotes unevenly ("as in '-- "--x""): ours for the common case.
function optionProblem(err: NodeJS.ErrnoException): string {
  const first = err.message.split('\n')[0] ?? '';
  const option = /^Unknown option '([^']+)'/.exec(first)?.[1];
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return `unknown option ${option} (a path that starts with - goes after --: -- ${option})`;
  }
  return first;
}

export function stringOption(values: ParsedOptions['values'], name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

// -j/--jobs of the commands that fetch (hydrate, status --remote, the batch reads), each with its default.
export function parseJobs(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const jobs = Number(raw);
  if (!/^[0-9]+$/.test(raw) || jobs < 1 || jobs > 256) {
    throw new LfsLazyError(`-j expects a number of concurrent requests from 1 to 256, got ${JSON.stringify(raw)}`, { code: ErrorCode.BadRequest });
  }
  return jobs;
}
