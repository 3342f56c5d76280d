// Paths printed for people are quoted exactly as git quotes them (quote.c, core.quotePath): checked
// against `git ls-files` for names made of every byte git allows in a file name.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseConfigList } from '../../src/git/git.js';
import { bytesToPath, pathToBytes } from '../../src/util/path-bytes.js';
import { quotePath, quotePathSetting } from '../../src/util/quote-path.js';

// One name per byte (NUL and `/` cannot be in a name), and a few multi-byte ones.
const NAMES: Buffer[] = [
  ...Array.from({ length: 255 }, (_, i) => i + 1)
    .filter((b) => b !== 0x2f)
    .map((b) => Buffer.from([0x78, b, 0x79])),
  Buffer.from('données é.bin'),
  Buffer.from('日本語 😀.bin'),
  Buffer.from([0x61, 0xff, 0x2e, 0x62, 0x69, 0x6e]),
  Buffer.from('esc\x1b[31mred\x1b[0m.bin'),
  Buffer.from('two\nlines.bin'),
  Buffer.from('tab\t"quoted" back\\slash.bin'),
  Buffer.from([0xc3, 0x41, 0xed, 0xa0, 0x80]),
];

describe('quotePath against git ls-files', () => {
  let repo: string;
  const git = (args: string[]): Buffer =>
    execFileSync('git', args, { cwd: repo, env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repo }, maxBuffer: 1 << 24 });

  before(async () => {
    repo = await mkdtemp(join(tmpdir(), 'lfs-lazy-quote-'));
    git(['init', '-q']);
    for (const name of NAMES) await writeFile(Buffer.concat([Buffer.from(`${repo}/`), name]), 'x');
    git(['add', '.']);
  });
  after(() => rm(repo, { recursive: true, force: true }));

  for (const quoteNonAscii of [true, false]) {
    it(`prints each name as git does with core.quotePath=${quoteNonAscii}`, () => {
      const raw = git(['ls-files', '-z']);
      const names: Buffer[] = [];
      for (let at = 0; at < raw.length; ) {
        const nul = raw.indexOf(0, at);
        names.push(raw.subarray(at, nul));
        at = nul + 1;
      }
      assert.equal(names.length, NAMES.length);
      // Quoted names hold no raw LF, so git's output splits by line.
      const quoted = git(['-c', `core.quotePath=${quoteNonAscii}`, 'ls-files']);
      const lines: Buffer[] = [];
      for (let at = 0; at < quoted.length; ) {
        const nl = quoted.indexOf(0x0a, at);
        lines.push(quoted.subarray(at, nl));
        at = nl + 1;
      }
      for (const [i, name] of names.entries()) {
        const ours = pathToBytes(quotePath(bytesToPath(name), quoteNonAscii));
        assert.ok(ours.equals(lines[i]!), `${name.toString('hex')}: git prints ${JSON.stringify(lines[i]!.toString('latin1'))}, we print ${JSON.stringify(ours.toString('latin1'))}`);
      }
    });
  }

  it('leaves a name that needs no quoting as it is (the same string)', () => {
    assert.equal(quotePath('data/train/a b.bin', true), 'data/train/a b.bin');
    assert.equal(quotePath('données/é.bin', false), 'données/é.bin');
  });
});

describe('quotePathSetting', () => {
  it('reads core.quotePath from `git config -z --list` as git parses a boolean (default true)', () => {
    const list = (value: string | undefined): Array<[string, string]> => {
      const repoDir = tmpdir();
      const args = value === undefined ? ['config', '-z', '--list'] : ['-c', `core.quotePath=${value}`, 'config', '-z', '--list'];
      return parseConfigList(execFileSync('git', args, { cwd: repoDir, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repoDir } }));
    };
    assert.equal(quotePathSetting(list(undefined)), true);
    for (const value of ['false', 'no', 'off', '0', 'FALSE', '']) assert.equal(quotePathSetting(list(value)), false, value);
    for (const value of ['true', 'yes', 'on', '1', '2', 'True']) assert.equal(quotePathSetting(list(value)), true, value);
    // The last setting wins, as in git.
    assert.equal(quotePathSetting([['core.quotepath', 'false'], ['core.quotepath', 'true']]), true);
    assert.equal(quotePathSetting([['core.quotepath', 'true'], ['core.quotepath', 'off']]), false);
  });
});
