// Command-line options, parsed as node:util's parseArgs parses them in strict mode with positionals
// allowed (test/unit/parse-options.test.ts holds the two side by side on every shape of argument),
// but written out here: loading node's parser and its first run cost ≈ 0.7 ms of every command
// (issue 13). Only what the commands use: boolean and string options, each at most once in effect
// (the last one counts), a one-letter short form, `--` before positionals that start with -.
import { ErrorCode, LfsLazyError } from '../errors/index.js';

export interface OptionSpec {
  type: 'boolean' | 'string';
  short?: string;
}

export type Options = Record<string, OptionSpec>;

export interface ParsedOptions {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

interface Token {
  name: string;
  // As it was written (`-j`, `--jobs`): for the messages.
  rawName: string;
  value: string | undefined;
  // The value was part of the same argument (`--rev=x`, `-j4`).
  inline: boolean;
}

// A one-line usage error (the usage follows it) rather than a stack trace.
export function parseOptions(args: string[], options: Options, usage: string): ParsedOptions {
  const parsed = parseStrict(args, options);
  if (typeof parsed === 'string') throw new LfsLazyError(`${parsed}\n${usage}`, { code: ErrorCode.BadRequest });
  return parsed;
}

// The options and positionals, or what is wrong with the first option that is wrong.
export function parseStrict(args: readonly string[], options: Options): ParsedOptions | string {
  const values: ParsedOptions['values'] = Object.create(null) as ParsedOptions['values'];
  const positionals: string[] = [];
  const typeOf = (name: string): OptionSpec['type'] | undefined => (Object.hasOwn(options, name) ? options[name]!.type : undefined);
  const longFor = (short: string): string => Object.keys(options).find((name) => options[name]!.short === short) ?? short;
  const rest = [...args];
  while (rest.length > 0) {
    const arg = rest.shift()!;
    let token: Token;
    if (arg === '--') {
      positionals.push(...rest.splice(0));
      break;
    } else if (arg.length < 2 || arg[0] !== '-') {
      positionals.push(arg);
      continue;
    } else if (arg[1] !== '-') {
      const name = longFor(arg[1]!);
      if (arg.length === 2) {
        token = { name, rawName: arg, value: typeOf(name) === 'string' ? rest.shift() : undefined, inline: false };
      } else if (typeOf(name) === 'string') {
        token = { name, rawName: arg.slice(0, 2), value: arg.slice(2), inline: true };
      } else {
        // A group of short options (-zj4): each alone, the first that takes a value taking the rest.
        const group: string[] = [];
        for (let i = 1; i < arg.length; i++) {
          const takesValue = typeOf(longFor(arg[i]!)) === 'string';
          group.push(takesValue && i < arg.length - 1 ? `-${arg.slice(i)}` : `-${arg[i]}`);
          if (takesValue) break;
        }
        rest.unshift(...group);
        continue;
      }
    } else {
      const equals = arg.indexOf('=', 3);
      const name = arg.slice(2, equals < 0 ? undefined : equals);
      token =
        equals < 0
          ? { name, rawName: arg, value: typeOf(name) === 'string' ? rest.shift() : undefined, inline: false }
          : { name, rawName: `--${name}`, value: arg.slice(equals + 1), inline: true };
    }
    const problem = tokenProblem(token, options);
    if (problem !== undefined) return problem;
    values[token.name] = token.value ?? true;
  }
  return { values, positionals };
}

function tokenProblem(token: Token, options: Options): string | undefined {
  if (!Object.hasOwn(options, token.name)) return `unknown option ${token.rawName} (a path that starts with - goes after --: -- ${token.rawName})`;
  const { type, short } = options[token.name]!;
  const forms = `${short === undefined ? '' : `-${short}, `}--${token.name}`;
  if (type === 'string' && token.value === undefined) return `${forms} needs a value`;
  if (type === 'boolean' && token.value !== undefined) return `${forms} takes no value`;
  if (!token.inline && token.value !== undefined && token.value.length > 1 && token.value.startsWith('-')) {
    return `${token.rawName} ${token.value}: is ${token.value} its value? write --${token.name}=${token.value}`;
  }
  return undefined;
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
