import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { parseOptions, parseStrict, type Options } from '../../src/cli/parse-options.js';

// The options of `path`/`cat`, which have every shape the commands use.
const OPTIONS: Options = { rev: { type: 'string' }, batch: { type: 'boolean' }, z: { type: 'boolean', short: 'z' }, jobs: { type: 'string', short: 'j' }, json: { type: 'boolean' } };

// What node:util's parseArgs makes of the arguments: the oracle.
function nodeParse(args: string[]): { values: Record<string, unknown>; positionals: string[] } | { code: string } {
  try {
    const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
    return { values: { ...values }, positionals };
  } catch (err) {
    return { code: (err as NodeJS.ErrnoException).code ?? 'none' };
  }
}

function ours(args: string[]): { values: Record<string, unknown>; positionals: string[] } | { code: string } {
  const parsed = parseStrict(args, OPTIONS);
  if (typeof parsed !== 'string') return { values: { ...parsed.values }, positionals: parsed.positionals };
  return { code: parsed.startsWith('unknown option') ? 'ERR_PARSE_ARGS_UNKNOWN_OPTION' : 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' };
}

const PIECES = ['--batch', '--batch=1', '--rev', '--rev=HEAD', '--rev=', '--rev=-x', '-z', '-j', '-j4', '-zj4', '-zj', '-jz', '-zz', '-zx', '--jobs', '--jobs=3', '--json', '--', '-', '---', '--=x', '-x', '--bogus', '--bogus=1', '-1', 'data/a.bin', 'HEAD', '-z-', '--z', '-j-', '=x'];

describe('parseStrict parses as node:util parseArgs (strict, positionals allowed)', () => {
  it('agrees on 20,000 random argument lists: the same values and positionals, or the same kind of error', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n);
    };
    const kinds = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const args = Array.from({ length: random(5) }, () => PIECES[random(PIECES.length)]!);
      const expected = nodeParse(args);
      assert.deepEqual(ours(args), expected, JSON.stringify(args));
      kinds.add('code' in expected ? expected.code : 'parsed');
    }
    assert.deepEqual([...kinds].sort(), ['ERR_PARSE_ARGS_INVALID_OPTION_VALUE', 'ERR_PARSE_ARGS_UNKNOWN_OPTION', 'parsed']);
  });

  it('says what is wrong in one line, with the usage after it', () => {
    const problem = (args: string[]): string => {
      try {
        parseOptions(args, OPTIONS, 'usage: lfs-lazy path');
      } catch (err) {
        return (err as Error).message;
      }
      return 'parsed';
    };
    assert.equal(problem(['--bogus']), 'unknown option --bogus (a path that starts with - goes after --: -- --bogus)\nusage: lfs-lazy path');
    assert.equal(problem(['-zx']), 'unknown option -x (a path that starts with - goes after --: -- -x)\nusage: lfs-lazy path');
    assert.equal(problem(['--rev']), '--rev needs a value\nusage: lfs-lazy path');
    assert.equal(problem(['-j']), '-j, --jobs needs a value\nusage: lfs-lazy path');
    assert.equal(problem(['--json=yes']), '--json takes no value\nusage: lfs-lazy path');
    assert.equal(problem(['--rev', '-x']), '--rev -x: is -x its value? write --rev=-x\nusage: lfs-lazy path');
    assert.equal(problem(['--rev=-x', '-j4', '--', '-z']), 'parsed');
  });
});
