// The hydrated set and its pattern language. The matcher is checked against git itself: the set
// must select exactly what `git ls-files -- <pattern>` selected when `hydrate <pattern>` ran.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { HydratedSet } from '../../src/hydration/hydrated-set.js';
import { isSelected, pathspecMatches, toRootPathspec } from '../../src/hydration/pathspec-match.js';
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
];

describe('pathspecMatches agrees with git ls-files', () => {
  let box: Sandbox;
  let repo: string;

  before(async () => {
    box = await makeSandbox();
    repo = join(box.root, 'repo');
    await box.git(['init', '-q', repo]);
    for (const path of PATHS) {
      await mkdir(dirname(join(repo, path)), { recursive: true });
      await writeFile(join(repo, path), path);
    }
    await box.git(['add', '.'], { cwd: repo });
  });
  after(() => box.cleanup());

  for (const pattern of PATTERNS) {
    it(`selects what git selects for ${JSON.stringify(pattern)}`, async () => {
      const { stdout } = await box.git(['ls-files', '-z', '--', pattern], { cwd: repo });
      const bygit = stdout.split('\0').filter((p) => p !== '').sort();
      const byus = PATHS.filter((p) => pathspecMatches(pattern, p)).sort();
      assert.deepEqual(byus, bygit);
    });
  }
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
    assert.throws(() => toRootPathspec('', '/abs/path'), /relative to the current directory/);
  });
});

describe('isSelected', () => {
  it('lets the last matching pattern decide', () => {
    const patterns = ['data', '!data/train', 'data/train/x.json'];
    assert.equal(isSelected(patterns, 'data/a.json'), true);
    assert.equal(isSelected(patterns, 'data/train/y.bin'), false);
    assert.equal(isSelected(patterns, 'data/train/x.json'), true);
    assert.equal(isSelected(patterns, 'top.json'), false);
    assert.equal(isSelected([], 'top.json'), false);
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

  it('remove of an exact entry just deletes it', () => {
    const set = make(['data/train/*', 'models']);
    set.remove(['data/train/*'], ['data/train/x.json']);
    assert.deepEqual(set.entries, ['models']);
  });

  it('remove inside a broader entry adds an exclusion', () => {
    const set = make(['data']);
    set.remove(['data/a.json'], ['data/a.json']);
    assert.deepEqual(set.entries, ['data', '!data/a.json']);
    assert.equal(set.has('data/a.json'), false);
    assert.equal(set.has('data/b.bin'), true);
  });

  it('remove of a directory drops the literal paths inside it', () => {
    const set = make(['data/a.json', 'data/train/x.json', 'top.json']);
    set.remove(['data'], ['data/a.json', 'data/train/x.json', 'data/b.bin']);
    assert.deepEqual(set.entries, ['top.json']);
  });

  it('remove excludes what a wildcard entry still selects among the matched files', () => {
    const set = make(['*.json']);
    set.remove(['data/train'], ['data/train/x.json', 'data/train/y.bin']);
    assert.deepEqual(set.entries, ['*.json', '!data/train']);
    assert.equal(set.has('data/train/x.json'), false);
    assert.equal(set.has('data/a.json'), true);
  });

  it('. covers every line', () => {
    const set = make(['d/f1*', '!d/f13.bin', 'models']);
    set.remove(['.'], ['d/f1.bin']);
    assert.deepEqual(set.entries, []);
    set.add(['d/*.bin', '.']);
    assert.deepEqual(set.entries, ['.']);
  });

  it('remove of something never hydrated changes nothing', () => {
    const set = make(['models']);
    set.remove(['data/a.json'], ['data/a.json']);
    assert.deepEqual(set.entries, ['models']);
  });

  it('remove beats committed defaults given as `before`', () => {
    const set = make([]);
    set.remove(['data/a.json'], ['data/a.json'], ['data/*']);
    assert.deepEqual(set.entries, ['!data/a.json']);
    assert.equal(isSelected(['data/*', ...set.entries], 'data/a.json'), false);
    assert.equal(isSelected(['data/*', ...set.entries], 'data/b.bin'), true);
  });

  it('saves one pattern per line under <common dir>/lfs-lazy/hydrated and loads it back', async () => {
    const common = join(dir, 'git');
    const set = await HydratedSet.load(common);
    assert.deepEqual(set.entries, []);
    set.add(['data/*.json', 'sp ace']);
    set.remove(['data/a.json'], ['data/a.json']);
    await set.save();
    assert.equal(set.file, join(common, 'lfs-lazy', 'hydrated'));
    assert.equal(await readFile(set.file, 'utf8'), 'data/*.json\nsp ace\n!data/a.json\n');
    const again = await HydratedSet.load(common);
    assert.deepEqual(again.entries, set.entries);
    assert.equal(again.has('data/train/x.json'), true);
    assert.equal(again.has('data/a.json'), false);
  });
});
