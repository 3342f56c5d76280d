// The hydrated set and its pattern language. The matcher is checked against git itself: the set
// must select exactly what `git ls-files -- <pattern>` selected when `hydrate <pattern>` ran.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { lstatSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HydratedSet } from '../../src/hydration/hydrated-set.js';
import { decide, gitPathspec, isSelected, pathspecMatches, patternProblem, toRootPathspec, unmatchedPathspecs, type Rule } from '../../src/hydration/pathspec-match.js';
import { formatRule, parseRule } from '../../src/hydration/pattern-line.js';
import { ownerToken } from '../../src/util/temp-files.js';
import { bytesToPath, pathToBytes } from '../../src/util/path-bytes.js';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';

const PATHS = [
  'top.json',
  'datum.json',
  'data/a.json',
  'data/b.bin',
  'data/train/x.json',
  'data/train/y.bin',
  'data/train/sub/deep.json',
  'data/test/z.json',
  'data2/q.json',
  'sp ace/f.json',
  'weird[1].json',
  // Names where bytes and characters differ, and names full of pattern syntax.
  'é.bin', // two bytes in UTF-8
  'ab.bin',
  'a.bin',
  '1x.bin',
  'Ab.bin',
  '\udcff\udcfe.bin', // not UTF-8: two bytes (path-bytes.ts)
  'x\udce9.bin', // latin-1 é: one byte
  ']x',
  '-x',
  'a-',
  '#notes.bin',
  '!imp.bin',
  'a\nb.bin',
  'tab\tx',
  'back\\slash.bin',
  'trail ',
  'dd',
];

const PATTERNS = [
  '.',
  'data',
  'data/',
  'data/train',
  'dat',
  'dat?',
  'd*',
  'data/*.json',
  '*.json',
  '*',
  'data/t*',
  'data/t*/',
  'data/[tu]rain',
  'data/tr[a-c]in/x.json',
  'data/train/*',
  'data/**',
  '**/x.json',
  '*/x.json',
  '[!d]*',
  'sp ace',
  'data/?.json',
  'weird\\[1\\].json',
  'weird[1].json',
  'weird?1?.json',
  '*.JSON',
  // `?` is one byte: `é` is two of them, a latin-1 byte one.
  '??.bin',
  '?.bin',
  'x?.bin',
  '\udcff*',
  '*\udcfe.bin',
  // POSIX classes, ASCII only, and the corners of class syntax.
  '[[:alpha:]]*',
  '[[:digit:]]*',
  '[[:upper:]]*',
  '[![:alpha:]]*',
  '*[[:space:]]*',
  '*[[:punct:]]x',
  '[[:alpha]',
  '[]]*',
  '[!]]*',
  '[a-]*',
  '[!a-]*',
  '[--/]*',
  '[\\]]*',
  '[\\a-\\c]*',
  '[[:alpha:]-]*',
  '[a-c-e]*',
  // Never matched as globs by git (literal-first still applies).
  '[[:foo:]]*',
  '[a*',
  '[]',
  '*\\',
  // Backslashes, names with a meaning in the hydrated set file.
  'back\\slash.bin',
  'back\\\\slash.bin',
  '#notes.bin',
  '!imp.bin',
  'a\nb.bin',
  'trail ',
  'dd/',
];

// git ls-files -z, with a pattern that may hold bytes no command-line string can carry as such
// (node encodes arguments as UTF-8): the shell's printf writes them, from octal escapes.
function gitLsFiles(box: Sandbox, repo: string, pattern: string): string[] {
  const octal = [...pathToBytes(pattern)].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');
  const out = execFileSync('sh', ['-c', 'git ls-files -z -- "$(printf "$P")"'], { cwd: repo, env: { ...box.env, P: octal } });
  return out
    .toString('latin1')
    .split('\0')
    .filter((p) => p !== '')
    .map((p) => bytesToPath(Buffer.from(p, 'latin1')));
}

describe('pathspecMatches agrees with git ls-files', () => {
  let box: Sandbox;
  let repo: string;

  before(async () => {
    box = await makeSandbox();
    repo = join(box.root, 'repo');
    await box.git(['init', '-q', repo]);
    for (const path of PATHS) {
      await mkdir(dirname(join(repo, path)), { recursive: true });
      await writeFile(pathToBytes(join(repo, path)), path);
    }
    await box.git(['add', '.'], { cwd: repo });
  });
  after(() => box.cleanup());

  for (const pattern of PATTERNS) {
    it(`selects what git selects for ${JSON.stringify(pattern)}`, () => {
      const bygit = gitLsFiles(box, repo, pattern).sort();
      const byus = PATHS.filter((p) => pathspecMatches(pattern, p)).sort();
      assert.deepEqual(byus, bygit);
    });
  }

  // hydrate's check of the names it was given, all at once: the same answer as each pattern alone.
  it('unmatchedPathspecs: the patterns that select nothing, as pathspecMatches and git say', () => {
    const unmatched = unmatchedPathspecs([...PATTERNS, 'no/such/file', 'nothing*'], PATHS);
    const expected = [...PATTERNS, 'no/such/file', 'nothing*'].filter((pattern) => gitLsFiles(box, repo, pattern).length === 0);
    assert.deepEqual(unmatched, expected);
    assert.ok(unmatched.includes('no/such/file') && !unmatched.includes(PATHS[0]!));
  });

  // Every single-byte name against every class git knows: the classes are git's, byte for byte.
  it('POSIX classes hold the bytes git puts in them', async () => {
    const dir = join(box.root, 'classes');
    await box.git(['init', '-q', dir]);
    const names: string[] = [];
    for (let b = 1; b < 256; b++) {
      if (b === 0x2f) continue;
      const name = bytesToPath(Buffer.from([0x66, b]));
      names.push(name);
      await writeFile(pathToBytes(join(dir, name)), 'x');
    }
    await box.git(['add', '.'], { cwd: dir });
    for (const cls of ['alnum', 'alpha', 'blank', 'cntrl', 'digit', 'graph', 'lower', 'print', 'punct', 'space', 'upper', 'xdigit']) {
      const pattern = `f[[:${cls}:]]`;
      assert.deepEqual(names.filter((n) => pathspecMatches(pattern, n)).sort(), gitLsFiles(box, dir, pattern).sort(), cls);
    }
  });
});

describe('toRootPathspec', () => {
  it('joins the current directory and normalises', () => {
    assert.equal(toRootPathspec('', 'data/*.json'), 'data/*.json');
    assert.equal(toRootPathspec('data/', '*.json'), 'data/*.json');
    assert.equal(toRootPathspec('data/', '../top.json'), 'top.json');
    assert.equal(toRootPathspec('data/', '.'), 'data');
    assert.equal(toRootPathspec('', '.'), '.');
    assert.equal(toRootPathspec('', './data//train/'), 'data/train/');
    assert.equal(toRootPathspec('data/train/', '..'), 'data');
  });

  it('refuses what it cannot express', () => {
    assert.throws(() => toRootPathspec('', '../outside'), /outside the repository/);
    assert.throws(() => toRootPathspec('data/', '../../x'), /outside the repository/);
    assert.throws(() => toRootPathspec('', ':(top)data'), /pathspec magic/);
    assert.throws(() => toRootPathspec('', '/abs/path'), /"\/abs\/path" is outside the repository/);
    assert.throws(() => toRootPathspec('', '/abs/path', '/work/repo'), /outside the repository \(\/work\/repo\)/);
    assert.throws(() => toRootPathspec('', '/work/repository-next/x', '/work/repo'), /outside the repository/);
    assert.throws(() => toRootPathspec('', ':x.bin'), /pathspec magic is not supported: ":x\.bin"; .*as \.\/:x\.bin\)/);
  });

  it('takes an absolute path inside the working tree, as git and cat do', () => {
    assert.equal(toRootPathspec('data/', '/work/repo/models/m.bin', '/work/repo'), 'models/m.bin');
    assert.equal(toRootPathspec('', '/work/repo/data/', '/work/repo'), 'data/');
    assert.equal(toRootPathspec('', '/work/repo', '/work/repo'), '.');
  });

  it('names a file whose name starts with ":" as ./:name, and hands it to git without magic', () => {
    assert.equal(toRootPathspec('', './:x.bin'), ':x.bin');
    assert.equal(toRootPathspec('d/', ':x.bin'.replace(/^/, './')), 'd/:x.bin');
    assert.equal(gitPathspec(':x.bin'), ':():x.bin');
    assert.equal(gitPathspec('data/:x.bin'), 'data/:x.bin');
  });

  it('refuses, in one line, a pattern git cannot match with', () => {
    for (const [pattern, why] of [
      ['[z-a].bin', /^invalid pattern "\[z-a\]\.bin": the range z-a is reversed .*put a "\\" before each of them$/],
      ['data/[ab', /never closed/],
      ['[[:foo:]]*', /\[:foo:\] is not a character class/],
      ['data\\', /lone backslash/],
    ] as const) {
      assert.throws(() => toRootPathspec('', pattern), (err: Error) => why.test(err.message) && !err.message.includes('\n'), pattern);
    }
    // The escaped form names such a file.
    assert.equal(toRootPathspec('', '\\[z-a\\].bin'), '\\[z-a\\].bin');
    assert.equal(pathspecMatches('\\[z-a\\].bin', '[z-a].bin'), true);
  });
});

describe('patternProblem', () => {
  it('accepts what git matches with, however odd', () => {
    for (const pattern of ['[]]', '[!]]x', '[a-]', '[[:alpha]', '\\*', 'a b', '#x', '!x', '[\\]]']) assert.equal(patternProblem(pattern), undefined, pattern);
  });
});

const rules = (...lines: string[]) => lines.map((line) => parseRule(line));

describe('decide', () => {
  it('lets the last matching pattern decide, and tells an exclusion from no match', () => {
    const policy = rules('data', '!data/train', 'data/train/x.json');
    assert.equal(decide(policy, 'data/a.json'), 'selected');
    assert.equal(decide(policy, 'data/train/y.bin'), 'excluded');
    assert.equal(decide(policy, 'data/train/x.json'), 'selected');
    assert.equal(decide(policy, 'top.json'), 'unset');
    assert.equal(decide([], 'top.json'), 'unset');
    assert.equal(isSelected(policy, 'data/train/y.bin'), false);
    assert.equal(isSelected(policy, 'data/a.json'), true);
  });
});

describe('the rule syntax of the hydrated set', () => {
  it('quotes only what would be misread, as git quotes names', () => {
    const cases: Array<[Rule, string]> = [
      [{ pattern: 'data/*.json', exclude: false }, 'data/*.json'],
      [{ pattern: 'data/a.json', exclude: true }, '!data/a.json'],
      [{ pattern: 'é.bin', exclude: false }, 'é.bin'],
      [{ pattern: 'back\\slash', exclude: false }, 'back\\slash'],
      [{ pattern: '#notes.bin', exclude: false }, '"#notes.bin"'],
      [{ pattern: '!imp.bin', exclude: false }, '"!imp.bin"'],
      [{ pattern: '!imp.bin', exclude: true }, '!"!imp.bin"'],
      [{ pattern: '"q".bin', exclude: false }, '"\\"q\\".bin"'],
      [{ pattern: 'a\nb.bin', exclude: false }, '"a\\nb.bin"'],
      [{ pattern: 'trail ', exclude: false }, '"trail "'],
      [{ pattern: '\udcff\udcfeé\\.bin', exclude: true }, '!"\\377\\376\\303\\251\\\\.bin"'],
    ];
    for (const [rule, line] of cases) {
      assert.equal(formatRule(rule), line);
      assert.deepEqual(parseRule(line), rule, line);
      assert.deepEqual(parseRule(pathToBytes(line)), rule, line);
    }
  });

  it('reads lines written before quoting existed as they always read', () => {
    assert.deepEqual(parseRule('"unbalanced'), { pattern: '"unbalanced', exclude: false });
    assert.deepEqual(parseRule('"bad\\q"'), { pattern: '"bad\\q"', exclude: false });
    assert.deepEqual(parseRule('\\#x'), { pattern: '\\#x', exclude: false });
  });
});

describe('HydratedSet', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-set-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));
  const make = (patterns: string[]) => HydratedSet.of(join(dir, 'unused'), patterns);

  it('add drops the lines the new pattern makes dead', () => {
    const set = make(['data/train', '!data/a.json', '*.bin']);
    set.add(['data']);
    assert.deepEqual(set.entries, ['*.bin', 'data']);
    set.add(['*.bin']);
    assert.deepEqual(set.entries, ['data', '*.bin']);
  });

  it('add takes back an earlier exclusion of the same pattern', () => {
    const set = make(['data', '!data/a.json']);
    set.add(['data/a.json']);
    assert.deepEqual(set.entries, ['data', 'data/a.json']);
    assert.equal(set.has('data/a.json'), true);
  });

  it('a rule that already decides its paths stays where it is: no later rule can name them', () => {
    const set = make(['data/a.bin', '!data/b.bin', 'models']);
    set.add(['data/a.bin']);
    set.remove(['data/b.bin']);
    assert.deepEqual(set.entries, ['data/a.bin', '!data/b.bin', 'models']);
    // A later wildcard might name the path: the rule moves to the end, where it decides for sure.
    const wild = make(['data/a.bin', '*.bin']);
    wild.add(['data/a.bin']);
    assert.deepEqual(wild.entries, ['*.bin', 'data/a.bin']);
    // A later literal inside it (or around it) names some of its paths: it moves too.
    const inside = make(['data', '!data/x/y.bin']);
    inside.add(['data']);
    assert.deepEqual(inside.entries, ['data']);
    const around = make(['!data/x/y.bin', 'data']);
    around.remove(['data/x/y.bin']);
    assert.deepEqual(around.entries, ['data', '!data/x/y.bin']);
    assert.equal(around.has('data/x/y.bin'), false);
  });

  it('remove of an exact entry replaces it with its exclusion', () => {
    const set = make(['data/train/*', 'models']);
    set.remove(['data/train/*']);
    assert.deepEqual(set.entries, ['models', '!data/train/*']);
    assert.equal(set.decide('data/train/x.json'), 'excluded');
  });

  it('remove inside a broader entry adds an exclusion', () => {
    const set = make(['data']);
    set.remove(['data/a.json']);
    assert.deepEqual(set.entries, ['data', '!data/a.json']);
    assert.equal(set.has('data/a.json'), false);
    assert.equal(set.has('data/b.bin'), true);
  });

  it('remove of a directory drops the literal paths inside it', () => {
    const set = make(['data/a.json', 'data/train/x.json', 'top.json']);
    set.remove(['data']);
    assert.deepEqual(set.entries, ['top.json', '!data']);
  });

  it('remove excludes what a wildcard entry still selects', () => {
    const set = make(['*.json']);
    set.remove(['data/train']);
    assert.deepEqual(set.entries, ['*.json', '!data/train']);
    assert.equal(set.has('data/train/x.json'), false);
    assert.equal(set.has('data/a.json'), true);
  });

  it('. covers every line', () => {
    const set = make(['d/f1*', '!d/f13.bin', 'models']);
    set.remove(['.']);
    assert.deepEqual(set.entries, ['!.']);
    assert.equal(set.decide('models/m.bin'), 'excluded');
    set.add(['d/*.bin', '.']);
    assert.deepEqual(set.entries, ['.']);
  });

  // The file is a promise about later checkouts: a file whose object is local is otherwise
  // materialised by the next one.
  it('remove of something never hydrated still records the exclusion', () => {
    const set = make(['models']);
    set.remove(['data/a.json']);
    assert.deepEqual(set.entries, ['models', '!data/a.json']);
    assert.equal(set.decide('data/a.json'), 'excluded');
    assert.equal(set.decide('data/b.json'), 'unset');
  });

  it('remove beats committed defaults placed before it', () => {
    const set = make([]);
    set.remove(['data/a.json']);
    assert.deepEqual(set.entries, ['!data/a.json']);
    assert.equal(isSelected([...rules('data/*'), ...set.valid], 'data/a.json'), false);
    assert.equal(isSelected([...rules('data/*'), ...set.valid], 'data/b.bin'), true);
  });

  it('add and remove refuse a pattern git cannot match with, changing nothing', () => {
    const set = make(['models']);
    assert.throws(() => set.add(['data', '[z-a].bin']), /invalid pattern "\[z-a\]\.bin"/);
    assert.throws(() => set.remove(['[z-a].bin']), /invalid pattern/);
    assert.deepEqual(set.entries, ['models']);
  });

  it('saves one pattern per line under <common dir>/lfs-lazy/hydrated and loads it back', async () => {
    const common = join(dir, 'git');
    const set = await HydratedSet.load(common);
    assert.deepEqual(set.entries, []);
    set.add(['data/*.json', 'sp ace']);
    set.remove(['data/a.json']);
    await set.save();
    assert.equal(set.file, join(common, 'lfs-lazy', 'hydrated'));
    assert.equal(await readFile(set.file, 'utf8'), 'data/*.json\nsp ace\n!data/a.json\n');
    const again = await HydratedSet.load(common);
    assert.deepEqual(again.entries, set.entries);
    assert.equal(again.has('data/train/x.json'), true);
    assert.equal(again.has('data/a.json'), false);
  });

  it('an update that leaves the file as it is takes no lock and writes nothing; one that changes it does both', async () => {
    const common = join(dir, 'git-noop');
    await HydratedSet.update(common, (set) => set.add(['data/a.bin']));
    const file = HydratedSet.fileFor(common);
    const inode = statSync(file).ino;
    // The lock held by a live process (this one): a locked update would wait for it.
    await writeFile(`${file}.lock`, ownerToken());
    const same = await HydratedSet.update(common, (set) => set.add(['data/a.bin']));
    assert.deepEqual(same.entries, ['data/a.bin']);
    assert.equal(statSync(file).ino, inode, 'not rewritten');
    await rm(`${file}.lock`);
    const changed = await HydratedSet.update(common, (set) => set.add(['data/b.bin']));
    assert.deepEqual(changed.entries, ['data/a.bin', 'data/b.bin']);
    assert.notEqual(statSync(file).ino, inode, 'rewritten (a new file renamed over it)');
    assert.equal(await readFile(file, 'utf8'), 'data/a.bin\ndata/b.bin\n');
    // A file the rewrite would change (a comment it drops) is rewritten, under the lock.
    await writeFile(file, '# mine\ndata/a.bin\ndata/b.bin\n');
    await HydratedSet.update(common, (set) => set.add(['data/b.bin']));
    assert.equal(await readFile(file, 'utf8'), 'data/a.bin\ndata/b.bin\n');
  });

  // Item 9 of issue 10: names with a meaning in the file's syntax, or bytes no plain line holds.
  it('round-trips any name git can hold, and selects exactly those files', async () => {
    const common = join(dir, 'names');
    const names = ['#notes.bin', '!imp.bin', 'a\nb.bin', '\udcff\udcfe.bin', 'trail ', 'back\\slash.bin', '"q".bin'];
    // (Not `backslash.bin`: as a pathspec, `back\slash.bin` selects it too, in git as here.)
    const others = ['notes.bin', 'imp.bin', 'a', 'b.bin', '\udcff.bin', 'trail', 'q.bin', 'x.bin'];
    await HydratedSet.update(common, (set) => set.add(names));
    const again = await HydratedSet.load(common);
    for (const name of names) assert.equal(again.has(name), true, `${JSON.stringify(name)} is not selected`);
    for (const name of others) assert.equal(again.has(name), false, `${JSON.stringify(name)} is selected`);
    await HydratedSet.update(common, (set) => set.remove(['!imp.bin']));
    const after = await HydratedSet.load(common);
    assert.equal(after.decide('!imp.bin'), 'excluded');
    assert.equal(after.decide('imp.bin'), 'unset');
    assert.equal(after.has('#notes.bin'), true);
  });

  it('reads a file written before quoting existed the same way', async () => {
    const common = join(dir, 'old');
    await mkdir(join(common, 'lfs-lazy'), { recursive: true });
    await writeFile(HydratedSet.fileFor(common), '# a comment\n\ndata/train/*\nsp ace\n!data/train/x.json\nweird\\[1\\].json\n');
    const set = await HydratedSet.load(common);
    assert.deepEqual(set.entries, ['data/train/*', 'sp ace', '!data/train/x.json', 'weird\\[1\\].json']);
    assert.deepEqual(set.problems, []);
  });

  it('ignores a line git cannot match with, says so, and keeps it when rewriting', async () => {
    const common = join(dir, 'bad');
    await mkdir(join(common, 'lfs-lazy'), { recursive: true });
    await writeFile(HydratedSet.fileFor(common), 'data\n[z-a].bin\n');
    const set = await HydratedSet.load(common);
    assert.deepEqual(set.entries, ['data']);
    assert.equal(set.has('z.bin'), false);
    assert.deepEqual(set.problems, [`ignoring the pattern "[z-a].bin" on line 2 of ${set.file}: the range z-a is reversed (git would match only "z" with it)`]);
    await HydratedSet.update(common, (s) => s.add(['models']));
    assert.equal(await readFile(set.file, 'utf8'), '[z-a].bin\ndata\nmodels\n');
  });
});
