// hydrate / dehydrate end to end: real git + git-lfs, lfs-lazy installed (agent and filter) in an
// isolated HOME, objects in s3rver. The clone is a plain `git clone`, lazy because of the filter.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';
import { HydratedSet } from '../../src/hydration/hydrated-set.js';
import type { HydrateReport } from '../../src/hydration/hydrate.js';
import type { DehydrateReport } from '../../src/hydration/dehydrate.js';

const DUP = fileContent(900, 5_000);
const TRAIN = Array.from({ length: 30 }, (_, i) => ({ path: `data/train/t${String(i).padStart(2, '0')}.json`, content: fileContent(i, 2_000 + i * 300) }));
const TEST = Array.from({ length: 20 }, (_, i) => ({ path: `data/test/v${String(i).padStart(2, '0')}.json`, content: fileContent(100 + i, 1_500 + i * 100) }));
const FILES = [
  ...TRAIN,
  { path: 'data/train/dup.json', content: DUP },
  ...TEST,
  { path: 'data/test/dup.json', content: DUP },
  { path: 'models/m0.bin', content: fileContent(200, 60_000) },
  { path: 'models/m1.bin', content: fileContent(201, 70_000) },
  { path: 'models/run.bin', content: fileContent(202, 1_000) },
  // Same object as data/train/t05.json: pruning t05 must keep it while this one is hydrated.
  { path: 'models/dup.bin', content: TRAIN[5]!.content },
  { path: 'misc/p0.json', content: fileContent(300, 3_000) },
  { path: 'misc/p1.json', content: fileContent(301, 3_000) },
  { path: 'README.md', content: Buffer.from('not an LFS file\n') },
];
const T00_ON_OTHER = fileContent(999, 4_321);
const isUnder = (prefix: string) => (path: string) => path.startsWith(prefix);

describe('lfs-lazy hydrate / dehydrate', { timeout: 600_000 }, () => {
  let fx: LfsFixture;
  let clone: string;
  const content = new Map(FILES.map((f) => [f.path, f.content]));
  const lfsPaths = FILES.filter((f) => f.path !== 'README.md').map((f) => f.path);

  const git = async (args: string[], cwd = clone) => (await fx.box.git(args, { cwd })).stdout;
  const read = (path: string) => readFile(join(clone, path));
  const blob = async (path: string) => Buffer.from(await git(['cat-file', 'blob', `:${path}`]), 'latin1');
  const localObject = (oid: string) => join(clone, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
  const oidOf = (path: string) => fx.files.find((f) => f.path === path)!.oid;
  const hydrateJson = async (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) => {
    const result = await fx.box.cli(['hydrate', '--json', ...args], { cwd: options.cwd ?? clone, ...(options.env && { env: options.env }) });
    return JSON.parse(result.stdout) as HydrateReport;
  };
  // Every LFS path: either exactly its content (hydrated) or exactly its committed pointer blob.
  const assertWorktree = async (hydrated: (path: string) => boolean, except: string[] = []) => {
    for (const path of lfsPaths.filter((p) => !except.includes(p))) {
      const got = await read(path);
      if (hydrated(path)) assert.ok(got.equals(content.get(path)!), `${path} should hold its content`);
      else assert.ok(got.equals(await blob(path)), `${path} should be its pointer`);
    }
  };
  const assertClean = async () => assert.equal(await git(['status', '--porcelain']), '');

  before(async () => {
    fx = await makeLfsFixture({ files: FILES });
    // An executable LFS file, and a branch on which one training file changed.
    await chmod(join(fx.origin, 'models/run.bin'), 0o755);
    await git(['commit', '-q', '-am', 'run.bin is executable'], fx.origin);
    await git(['checkout', '-q', '-b', 'other'], fx.origin);
    await writeFile(join(fx.origin, 'data/train/t00.json'), T00_ON_OTHER);
    await git(['commit', '-q', '-am', 't00 changed'], fx.origin);
    await git(['push', '-q', 'origin', 'main', 'other'], fx.origin);
    await git(['checkout', '-q', 'main'], fx.origin);
    clone = await fx.clone('clone');
  });
  after(() => fx?.cleanup());

  it('a plain git clone leaves every LFS file a pointer', async () => {
    assert.ok(lfsPaths.length >= 50);
    await assertWorktree(() => false);
    assert.deepEqual(fx.files.filter((f) => existsSync(localObject(f.oid))), [], 'nothing was downloaded');
    await assertClean();
  });

  it('hydrate of a glob gives exactly those files their bytes; the rest stay their pointers', async () => {
    const result = await fx.box.cli(['hydrate', '--json', 'data/train/*'], { cwd: clone });
    assert.doesNotMatch(result.stderr, /\r/, 'no progress bar when stderr is not a terminal');
    const report = JSON.parse(result.stdout) as HydrateReport;
    const train = lfsPaths.filter(isUnder('data/train/'));
    assert.deepEqual(report.hydrated, [...train].sort());
    assert.equal(report.fetched.objects, 31);
    assert.equal(report.fetched.bytes, [...new Set(train)].reduce((sum, p) => sum + content.get(p)!.length, 0));
    assert.deepEqual(report.failed, []);
    await assertWorktree(isUnder('data/train/'));
    await assertClean();
    const set = await HydratedSet.load(join(clone, '.git'));
    assert.deepEqual(set.entries, ['data/train/*']);
  });

  it('a pathspec that matches no LFS file (a typo, README.md) is refused and not kept; --ignore-unmatch keeps it', async () => {
    const own = await fx.clone('clone-unmatched');
    for (const spec of ['data/trian', 'README.md']) {
      const refused = await fx.box.cli(['hydrate', spec, 'data/train/t01.json'], { cwd: own, allowFail: true });
      assert.equal(refused.code, 1, refused.stderr);
      assert.match(refused.stderr, new RegExp(`^lfs-lazy hydrate: pathspec '${spec.replace('.', '\\.')}' did not match any LFS file .*nothing was hydrated .*--ignore-unmatch\n$`));
    }
    assert.deepEqual((await HydratedSet.load(join(own, '.git'))).entries, [], 'a refused pathspec joined the hydrated set');
    const kept = await fx.box.cli(['hydrate', '--ignore-unmatch', 'data/later/*'], { cwd: own });
    assert.match(kept.stderr, /no LFS file matches "data\/later\/\*" \(kept in the hydrated set for later checkouts\)/);
    assert.deepEqual((await HydratedSet.load(join(own, '.git'))).entries, ['data/later/*']);
    assert.ok((await readFile(join(own, 'data/train/t01.json'))).equals(await blob('data/train/t01.json')), 'a refused run hydrated a file');
  });

  it('a pointer git does not track (git mv, then git reset) is named as such, with the fix; once added it hydrates', async () => {
    const own = await fx.clone('clone-untracked-pointer');
    await fx.box.git(['mv', 'data/train/t01.json', 'data/moved.json'], { cwd: own });
    await fx.box.git(['reset', '-q'], { cwd: own });
    const refused = await fx.box.cli(['hydrate', 'data/moved.json'], { cwd: own, allowFail: true });
    assert.equal(refused.code, 1, refused.stderr);
    assert.equal(refused.stderr, "lfs-lazy hydrate: 'data/moved.json' holds an LFS pointer but is not tracked by git, and hydrate gives content only to files git tracks: `git add -- 'data/moved.json'` stages it as the pointer it is; then hydrate it\n");
    await fx.box.git(['add', '--', 'data/moved.json'], { cwd: own });
    await fx.box.cli(['hydrate', 'data/moved.json'], { cwd: own });
    assert.ok((await readFile(join(own, 'data/moved.json'))).equals(content.get('data/train/t01.json')!));
  });

  // Found by the differential fuzz (seeds 998007, 998020): with a deletion staged, `git lfs pull`
  // re-creates that file and its own index refresh stops there, so the files it wrote over lazy
  // pointers keep the pointers' stat data, and git lists them as modified by their size alone.
  it('after git lfs pull left hydrated files stat-dirty, hydrate records them as they are: nothing fetched, status clean', async () => {
    const own = await fx.clone('clone-lfs-pull-stat');
    const [gone, pulled] = ['data/test/v00.json', 'data/test/v01.json'];
    // The pointers' stat data made true and not racy (files older than the index), as after any
    // checkout more than a second old.
    const past = new Date(Date.now() - 3_600_000);
    await utimes(join(own, pulled), past, past);
    await fx.box.git(['update-index', '-q', '--refresh'], { cwd: own });
    await fx.box.git(['rm', '-q', gone], { cwd: own });
    const pull = await fx.box.git(['lfs', 'pull', '--include', 'data/test/v0[01].json'], { cwd: own, allowFail: true });
    assert.match(pull.stderr + pull.stdout, /cannot add to the index/, 'git-lfs refreshed the index after all: the case is gone');
    assert.ok((await readFile(join(own, pulled))).equals(content.get(pulled)!));
    assert.match(await git(['status', '--porcelain', '--', pulled], own), /^ M /);
    const run = await fx.box.cli(['hydrate', '--json', pulled], { cwd: own });
    const report = JSON.parse(run.stdout) as HydrateReport;
    assert.deepEqual([report.alreadyHydrated, report.fetched.objects], [[pulled], 0]);
    assert.equal(await git(['status', '--porcelain', '--', pulled], own), '');
  });

  it('a locally edited file is reported and never overwritten', async () => {
    await writeFile(join(clone, 'data/test/v03.json'), 'my own edit\n');
    const result = await fx.box.cli(['hydrate', 'data/test'], { cwd: clone });
    assert.match(result.stdout, /^hydrated 20 files \(.* fetched, 1 already local\), skipped 1 modified file: data\/test\/v03\.json\n$/);
    assert.equal(await readFile(join(clone, 'data/test/v03.json'), 'utf8'), 'my own edit\n');
    // Restoring it goes through the filter, which now materialises data/test paths.
    await git(['checkout', '--', 'data/test/v03.json']);
    await assertWorktree((p) => p.startsWith('data/train/') || p.startsWith('data/test/'));
    await assertClean();
  });

  it('a second hydrate of the same paths downloads nothing, even with the bucket unreachable', async () => {
    const paths = lfsPaths.filter((p) => p.startsWith('data/'));
    const before = await Promise.all(paths.map(async (p) => (await stat(join(clone, p))).mtimeMs));
    const dead = { LFS_LAZY_ENDPOINT: 'http://127.0.0.1:1' };
    // The override does take effect: anything that asks the bucket now fails.
    const probe = await fx.box.cli(['status', '--remote', 'misc'], { cwd: clone, env: dead, allowFail: true });
    assert.notEqual(probe.code, 0);
    assert.match(probe.stderr, /connection refused/);
    const report = await hydrateJson(['data/train/*', 'data/test'], { env: dead });
    assert.deepEqual(report.hydrated, []);
    assert.deepEqual(report.fetched, { objects: 0, bytes: 0 });
    assert.equal(report.alreadyHydrated.length, paths.length);
    assert.deepEqual(await Promise.all(paths.map(async (p) => (await stat(join(clone, p))).mtimeMs)), before, 'a file was rewritten');
    await assertClean();
  });

  it('a failed fetch exits non-zero naming the file; the others are hydrated, from a subdirectory', async () => {
    const putBack = await fx.bucket.takeAway(oidOf('models/m1.bin'));
    try {
      const result = await fx.box.cli(['hydrate', '.'], { cwd: join(clone, 'models'), allowFail: true });
      assert.equal(result.code, 1);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, new RegExp(`^lfs-lazy hydrate: models/m1\\.bin: .*${oidOf('models/m1.bin')}.*missing`));
      assert.match(result.stdout, /hydrated 3 files .*1 already local.*, 1 failed/);
      assert.ok((await read('models/m1.bin')).equals(await blob('models/m1.bin')), 'm1 stays a pointer');
    } finally {
      await putBack();
    }
    const report = await hydrateJson(['m1.bin'], { cwd: join(clone, 'models') });
    assert.deepEqual(report.hydrated, ['models/m1.bin']);
    assert.equal((await stat(join(clone, 'models/run.bin'))).mode & 0o777, 0o755, 'the executable bit is kept');
    assert.deepEqual((await HydratedSet.load(join(clone, '.git'))).entries, ['data/train/*', 'data/test', 'models', 'models/m1.bin']);
    await assertWorktree((p) => !p.startsWith('misc/'));
    await assertClean();
  });

  it('checking out another branch and back keeps the hydrated paths hydrated', async () => {
    await git(['checkout', '-q', 'other']);
    assert.ok((await read('data/train/t00.json')).equals(T00_ON_OTHER), 't00 has the content of branch other');
    await assertWorktree((p) => !p.startsWith('misc/'), ['data/train/t00.json']);
    await assertClean();
    await git(['checkout', '-q', 'main']);
    await assertWorktree((p) => !p.startsWith('misc/'));
    await assertClean();
  });

  it('dehydrate restores the exact pointer bytes and takes the paths out of the set', async () => {
    const result = await fx.box.cli(['dehydrate', '--json', 'data/test'], { cwd: clone });
    const report = JSON.parse(result.stdout) as DehydrateReport;
    assert.equal(report.dehydrated.length, 21);
    await assertWorktree((p) => !p.startsWith('misc/') && !p.startsWith('data/test/'));
    await assertClean();
    assert.ok(existsSync(localObject(oidOf('data/test/v00.json'))), 'without --prune the object stays local');
    // And they stay pointers across checkouts.
    await git(['checkout', '-q', 'other']);
    await git(['checkout', '-q', 'main']);
    await assertWorktree((p) => !p.startsWith('misc/') && !p.startsWith('data/test/'));
    await assertClean();
  });

  it('dehydrate --prune deletes the local objects no hydrated path still needs', async () => {
    const report = JSON.parse((await fx.box.cli(['dehydrate', '--prune', '--json', 'data/train/*'], { cwd: clone })).stdout) as DehydrateReport;
    assert.equal(report.dehydrated.length, 31);
    assert.deepEqual(report.kept.map((k) => k.path), ['data/train/t05.json']);
    assert.match(report.kept[0]!.reason, /models\/dup\.bin/);
    assert.equal(report.pruned.objects, 30);
    await assertWorktree((p) => p.startsWith('models/'));
    await assertClean();
    for (const path of lfsPaths.filter(isUnder('data/train/'))) {
      assert.equal(existsSync(localObject(oidOf(path))), path === 'data/train/t05.json', `local object of ${path}`);
    }
    // A pruned object comes back from the bucket when hydrated again.
    const again = await hydrateJson(['data/train/t01.json']);
    assert.deepEqual(again.fetched.objects, 1);
    assert.ok((await read('data/train/t01.json')).equals(content.get('data/train/t01.json')!));
    await assertClean();
  });

  it('dehydrate leaves a modified file alone and reports it', async () => {
    await writeFile(join(clone, 'models/m0.bin'), Buffer.concat([content.get('models/m0.bin')!, Buffer.from('more')]));
    const result = await fx.box.cli(['dehydrate', 'models'], { cwd: clone });
    assert.match(result.stdout, /^dehydrated 3 files, skipped 1 modified file: models\/m0\.bin\n$/);
    assert.equal((await read('models/m0.bin')).length, content.get('models/m0.bin')!.length + 4);
    await git(['checkout', '--', 'models/m0.bin']);
    assert.ok((await read('models/m0.bin')).equals(await blob('models/m0.bin')), 'out of the set: checkout writes the pointer');
    await assertClean();
  });
});
