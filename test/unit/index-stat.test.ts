// recordStatData against real git: the stat data it records is what git itself would record, git
// then trusts the file without reading it again, anything it cannot vouch for is handed back
// untouched, index.lock is respected, and git's racy-clean protection survives the rewrite.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, symlinkSync, utimesSync, writeFileSync, type BigIntStats } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseIndex, seal, writeStat, type StatData } from '../../src/git/index-format.js';
import { IndexLockedError, recordStatData, type RecordOptions, type WrittenFile } from '../../src/git/index-stat.js';
import { WorktreeWriter } from '../../src/hydration/worktree-writer.js';

let base: string;
let repoCount = 0;

const NO_WAIT: RecordOptions = { waitMs: 5_000 };

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: base, ...env },
  });
}

// Exit code of a git command that answers with it (diff-files --quiet).
function exitCode(cwd: string, args: string[]): number {
  try {
    run(cwd, args);
    return 0;
  } catch (err) {
    return (err as { status: number }).status;
  }
}

interface Repo {
  dir: string;
  indexPath: string;
  lockPath: string;
  git: (...args: string[]) => string;
  index: () => Buffer;
  // The blob the index names for `path` (stage 0).
  blob: (path: string) => string;
  // Replaces `path` the way hydrate does: write a temp file, rename it over the original. Returns
  // the lstat taken right after the rename.
  replace: (path: string, content: string) => BigIntStats;
  stat: (path: string) => BigIntStats;
  entry: (path: string) => GitEntry;
  status: () => string;
  record: (files: WrittenFile[], options?: RecordOptions) => Promise<string[]>;
}

// A committed repository whose index is not racy: file times are set 10 s back and the index
// refreshed, so that no entry shares the index file's mtime second (which would get it smudged and
// make every later comparison a content comparison).
function makeRepo(files: Record<string, string>, options: { initArgs?: string[]; config?: Record<string, string> } = {}): Repo {
  const dir = join(base, `repo-${++repoCount}`);
  mkdirSync(dir);
  run(dir, ['init', '-q', ...(options.initArgs ?? [])]);
  for (const [key, value] of Object.entries(options.config ?? {})) run(dir, ['config', key, value]);
  const past = Date.now() / 1000 - 10;
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
    utimesSync(join(dir, path), past, past);
  }
  run(dir, ['add', '.']);
  run(dir, ['commit', '-q', '-m', 'files']);
  const repo: Repo = {
    dir,
    indexPath: join(dir, '.git', 'index'),
    lockPath: join(dir, '.git', 'index.lock'),
    git: (...args) => run(dir, args),
    index: () => readFileSync(repo.indexPath),
    blob: (path) => {
      const line = run(dir, ['ls-files', '-s', '--', path]);
      const m = /^\d+ ([0-9a-f]+) 0\t/.exec(line);
      assert.ok(m, `no stage-0 entry for ${path}: ${line}`);
      return m[1]!;
    },
    replace: (path, content) => {
      const temp = join(dir, `${path}.lfs-lazy-tmp`);
      writeFileSync(temp, content);
      renameSync(temp, join(dir, path));
      return repo.stat(path);
    },
    stat: (path) => lstatSync(join(dir, path), { bigint: true }),
    entry: (path) => {
      const entries = lsFiles(dir, path);
      assert.equal(entries.length, 1, `one entry for ${path}`);
      return entries[0]!;
    },
    status: () => run(dir, ['status', '--porcelain']),
    record: (written, opts = NO_WAIT) => recordStatData(dir, written, opts),
  };
  return repo;
}

interface GitEntry {
  path: string;
  oid: string;
  stage: number;
  stat: StatData;
}

// `git ls-files -s --debug -z`: git's own reading of each entry's stat data.
function lsFiles(cwd: string, path?: string, env: NodeJS.ProcessEnv = {}): GitEntry[] {
  const out = run(cwd, ['ls-files', '-s', '--debug', '-z', ...(path === undefined ? [] : ['--', path])], env);
  const re =
    /[0-7]+ ([0-9a-f]+) ([0-3])\t([^\0]*)\0 {2}ctime: (\d+):(\d+)\n {2}mtime: (\d+):(\d+)\n {2}dev: (\d+)\tino: (\d+)\n {2}uid: (\d+)\tgid: (\d+)\n {2}size: (\d+)\tflags: [0-9a-f]+\n/y;
  const entries: GitEntry[] = [];
  while (re.lastIndex < out.length) {
    const m = re.exec(out);
    assert.ok(m, `unexpected ls-files output: ${JSON.stringify(out.slice(re.lastIndex, re.lastIndex + 200))}`);
    const n = (i: number): number => Number(m[i]);
    entries.push({
      oid: m[1]!,
      stage: n(2),
      path: m[3]!,
      stat: { ctimeSec: n(4), ctimeNsec: n(5), mtimeSec: n(6), mtimeNsec: n(7), dev: n(8), ino: n(9), uid: n(10), gid: n(11), size: n(12) },
    });
  }
  return entries;
}

// What git's fill_stat_data() records for a file: seconds and nanoseconds, the rest cut to 32 bits.
function gitStat(st: BigIntStats): StatData {
  const low = (v: bigint): number => Number(v & 0xffffffffn);
  return {
    ctimeSec: low(st.ctimeNs / 1_000_000_000n),
    ctimeNsec: Number(st.ctimeNs % 1_000_000_000n),
    mtimeSec: low(st.mtimeNs / 1_000_000_000n),
    mtimeNsec: Number(st.mtimeNs % 1_000_000_000n),
    dev: low(st.dev),
    ino: low(st.ino),
    uid: low(st.uid),
    gid: low(st.gid),
    size: low(st.size),
  };
}

function assertNoLock(repo: Repo): void {
  assert.equal(existsSync(repo.lockPath), false, 'index.lock is left behind');
}

// The standard case: `path` rewritten with the content it already has in the index (as hydrate
// does: same blob after cleaning), so git sees a stat change but nothing else.
function rewriteSame(repo: Repo, path: string): WrittenFile {
  const content = readFileSync(join(repo.dir, path), 'utf8');
  const stat = repo.replace(path, content);
  return { path, blob: repo.blob(path), stat };
}

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'lfs-lazy-index-stat-'));
});
after(() => rm(base, { recursive: true, force: true }));

describe('recordStatData records what git would', () => {
  it('records the new stat data of a replaced file, exactly as git add would, and nothing else', async () => {
    const repo = makeRepo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n', 'dir/c.txt': 'gamma\n' });
    const written = rewriteSame(repo, 'a.txt');
    assert.equal(repo.git('diff-files', '--name-only'), 'a.txt\n', 'the replaced file looks changed to git before');
    const others = lsFiles(repo.dir).filter((e) => e.path !== 'a.txt');
    const before = parseIndex(repo.index(), 20);

    assert.deepEqual(await repo.record([written]), []);
    assertNoLock(repo);

    assert.deepEqual(repo.entry('a.txt').stat, gitStat(written.stat));
    assert.equal(repo.entry('a.txt').stat.ino, Number(written.stat.ino & 0xffffffffn));
    // Git's own record of the same file, in a scratch index, is identical.
    const scratch = { GIT_INDEX_FILE: join(base, `scratch-${repoCount}`) };
    run(repo.dir, ['read-tree', 'HEAD'], scratch);
    run(repo.dir, ['add', 'a.txt'], scratch);
    assert.deepEqual(lsFiles(repo.dir, 'a.txt', scratch)[0]!.stat, repo.entry('a.txt').stat);
    // Every other entry, the version and the extensions are as they were.
    assert.deepEqual(lsFiles(repo.dir).filter((e) => e.path !== 'a.txt'), others);
    const afterParse = parseIndex(repo.index(), 20);
    assert.equal(afterParse.version, before.version);
    assert.deepEqual(afterParse.extensions, before.extensions);
    assert.ok(afterParse.extensions.includes('TREE'));

    assert.equal(exitCode(repo.dir, ['diff-files', '--quiet']), 0, 'git diff-files trusts the recorded stat data');
    assert.equal(repo.status(), '');
  });

  it('records several files in one call', async () => {
    const repo = makeRepo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n', 'dir/c.txt': 'gamma\n', 'dir/d.txt': 'delta\n' });
    const written = ['a.txt', 'dir/c.txt', 'dir/d.txt'].map((p) => rewriteSame(repo, p));
    assert.deepEqual(await repo.record(written), []);
    for (const w of written) assert.deepEqual(repo.entry(w.path).stat, gitStat(w.stat));
    assert.equal(exitCode(repo.dir, ['diff-files', '--quiet']), 0);
    assert.equal(repo.status(), '');
    assertNoLock(repo);
  });

  it('works in a SHA-256 repository', async () => {
    const repo = makeRepo({ 'a.txt': 'alpha\n', 'dir/b.txt': 'beta\n' }, { initArgs: ['--object-format=sha256'] });
    const written = rewriteSame(repo, 'dir/b.txt');
    assert.equal(written.blob.length, 64);
    assert.deepEqual(await repo.record([written]), []);
    assert.deepEqual(repo.entry('dir/b.txt').stat, gitStat(written.stat));
    assert.equal(parseIndex(repo.index(), 32).hashLength, 32);
    assert.equal(exitCode(repo.dir, ['diff-files', '--quiet']), 0);
    assert.equal(repo.status(), '');
    assertNoLock(repo);
  });

  it('works on a version 4 index and keeps it version 4', async () => {
    const files = { 'a.txt': 'alpha\n', 'abc/def.txt': 'x\n', 'abc/def/g.txt': 'y\n', 'abc/dz.txt': 'z\n', 'dir/é/ü.txt': 'u\n' };
    const repo = makeRepo(files);
    repo.git('update-index', '--index-version', '4');
    assert.equal(parseIndex(repo.index(), 20).version, 4);
    const written = ['abc/def/g.txt', 'dir/é/ü.txt'].map((p) => rewriteSame(repo, p));
    assert.deepEqual(await repo.record(written), []);
    assert.equal(parseIndex(repo.index(), 20).version, 4);
    for (const w of written) assert.deepEqual(repo.entry(w.path).stat, gitStat(w.stat));
    assert.equal(exitCode(repo.dir, ['diff-files', '--quiet']), 0);
    assert.equal(repo.status(), '');
    assertNoLock(repo);
  });

  it('keeps the index file\'s permission bits (core.sharedRepository=group makes it group-writable)', async () => {
    const repo = makeRepo({ 'a.txt': 'alpha\n' }, { config: { 'core.sharedRepository': 'group' } });
    repo.git('update-index', '--refresh');
    const mode = lstatSync(repo.indexPath).mode & 0o777;
    assert.equal(mode & 0o020, 0o020, 'git made the index group-writable');
    assert.deepEqual(await repo.record([rewriteSame(repo, 'a.txt')]), []);
    assert.equal(lstatSync(repo.indexPath).mode & 0o777, mode);
    assert.equal(repo.status(), '');
  });

  it('returns an empty list at once for no files', async () => {
    assert.deepEqual(await recordStatData(join(base, 'not-a-repository'), [], NO_WAIT), []);
  });
});

describe('recordStatData and the clean filter: git does not read the file again', () => {
  let repo: Repo;
  let log: string;
  const logLines = (): string[] => readFileSync(log, 'utf8').split('\n').filter(Boolean);

  before(() => {
    log = join(base, 'clean-filter.log');
    writeFileSync(log, '');
    repo = makeRepo(
      { '.gitattributes': '*.txt filter=rec\n', 'a.txt': 'alpha, filtered\n' },
      { config: { 'filter.rec.clean': `echo %f >> '${log}'; cat` } },
    );
    assert.ok(logLines().includes('a.txt'), 'git add ran the clean filter');
  });

  it('does not run the clean filter on git status once the file is older than the index', async () => {
    const written = rewriteSame(repo, 'a.txt');
    // Not racy: the index written below is in a later second than the file.
    await sleep(1_100);
    assert.deepEqual(await repo.record([written]), []);
    assert.ok(lstatSync(repo.indexPath).mtimeMs >= Math.floor(lstatSync(join(repo.dir, 'a.txt')).mtimeMs / 1000) * 1000 + 1000);
    const before = logLines().length;
    assert.equal(repo.status(), '');
    assert.equal(exitCode(repo.dir, ['diff-files', '--quiet']), 0);
    assert.deepEqual(logLines().slice(before), [], 'git ran the clean filter');
    assertNoLock(repo);
  });

  it('is still correct when the file shares the index second (racy: git compares content)', async () => {
    const written = rewriteSame(repo, 'a.txt');
    assert.deepEqual(await repo.record([written]), []);
    assert.deepEqual(repo.entry('a.txt').stat, gitStat(written.stat));
    assert.equal(exitCode(repo.dir, ['diff-files', '--quiet']), 0);
    assert.equal(repo.status(), '');
    assertNoLock(repo);
  });

  it('trusts a file written by WorktreeWriter.replace at once (its mtime is set back), and still sees a same-size edit made right after', async () => {
    const path = join(repo.dir, 'a.txt');
    const content = readFileSync(path, 'utf8');
    const writer = new WorktreeWriter({ root: repo.dir, tmpDir: join(repo.dir, '.git', 'lfs', 'tmp'), excludeFile: join(repo.dir, '.git', 'info', 'exclude') });
    const { replaced, stat } = await writer.replace('a.txt', { bytes: Buffer.from(content) }, 0o644, () => true);
    assert.ok(replaced && stat);
    assert.deepEqual(await repo.record([{ path: 'a.txt', blob: repo.blob('a.txt'), stat }]), []);
    const fileSec = Number(stat.mtimeNs / 1_000_000_000n);
    assert.ok(Number(lstatSync(repo.indexPath, { bigint: true }).mtimeNs / 1_000_000_000n) > fileSec, 'the entry would be racy');
    const before = logLines().length;
    assert.equal(repo.status(), '');
    assert.deepEqual(logLines().slice(before), [], 'git ran the clean filter');
    // The racy-git hazard, had the mtime been left alone: an edit of the same size, now.
    writeFileSync(path, content.toUpperCase());
    assert.equal(repo.status(), ' M a.txt\n');
    writeFileSync(path, content);
    repo.git('update-index', '--refresh');
  });

  it('(control) a file replaced without recordStatData is read through the filter by git status', () => {
    repo.replace('a.txt', readFileSync(join(repo.dir, 'a.txt'), 'utf8'));
    const before = logLines().length;
    assert.equal(repo.status(), '');
    assert.deepEqual(logLines().slice(before), ['a.txt']);
  });
});

describe('recordStatData hands back what it cannot vouch for', () => {
  it('returns each unfit entry, records the fit ones (flagged entries keep their flags), and leaves the unfit entries alone', async () => {
    const repo = makeRepo({
      'a.txt': 'alpha\n',
      'mismatch.txt': 'mismatch\n',
      'changed.txt': 'changed\n',
      'renamed.txt': 'renamed\n',
      'skip.txt': 'skip\n',
      'assumed.txt': 'assumed\n',
    });
    symlinkSync('a.txt', join(repo.dir, 'link'));
    // Older than the index, or its entry would be racy and rightly smudged.
    lutimesSync(join(repo.dir, 'link'), Date.now() / 1000 - 10, Date.now() / 1000 - 10);
    writeFileSync(join(repo.dir, 'ita.txt'), '');
    repo.git('add', 'link');
    repo.git('commit', '-q', '-m', 'link');
    repo.git('add', '-N', 'ita.txt');
    repo.git('update-index', '--skip-worktree', 'skip.txt');
    repo.git('update-index', '--assume-unchanged', 'assumed.txt');

    const good = rewriteSame(repo, 'a.txt');
    // The index names another blob than the caller expects.
    const mismatch = { ...rewriteSame(repo, 'mismatch.txt'), blob: repo.blob('a.txt') };
    // Changed after the caller's lstat: a different size in place, another inode by rename.
    const changed = rewriteSame(repo, 'changed.txt');
    writeFileSync(join(repo.dir, 'changed.txt'), 'changed again, longer\n');
    const renamed = rewriteSame(repo, 'renamed.txt');
    repo.replace('renamed.txt', 'renamed\n');
    // Entries git does not compare while their flag is set: recorded all the same, since git trusts
    // their stat data once the flag is cleared. Intent-to-add is not (ita.txt is empty: its entry
    // names the empty blob).
    const skip = rewriteSame(repo, 'skip.txt');
    const assumed = rewriteSame(repo, 'assumed.txt');
    const ita = rewriteSame(repo, 'ita.txt');
    assert.equal(ita.blob, 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    // Not in the index; a symlink; a path that is gone.
    writeFileSync(join(repo.dir, 'untracked.txt'), 'u\n');
    const untracked = { path: 'untracked.txt', blob: good.blob, stat: repo.stat('untracked.txt') };
    const link = { path: 'link', blob: repo.blob('link'), stat: repo.stat('link') };
    const gone = { path: 'nowhere.txt', blob: good.blob, stat: good.stat };

    const unfit = [mismatch, changed, renamed, ita, untracked, link, gone];
    const fit = [good, skip, assumed];
    const entriesBefore = lsFiles(repo.dir);
    const result = await repo.record([unfit[0]!, good, skip, ...unfit.slice(1), assumed]);
    assert.deepEqual(result, unfit.map((f) => f.path));
    assertNoLock(repo);

    for (const file of fit) assert.deepEqual(repo.entry(file.path).stat, gitStat(file.stat), file.path);
    assert.match(repo.git('ls-files', '-v', 'skip.txt', 'assumed.txt'), /^h assumed\.txt\nS skip\.txt\n$/, 'the flags are kept');
    const recorded = new Set(fit.map((f) => f.path));
    assert.deepEqual(
      lsFiles(repo.dir).filter((e) => !recorded.has(e.path)),
      entriesBefore.filter((e) => !recorded.has(e.path)),
    );
  });

  it('leaves the index file untouched when nothing can be recorded', async () => {
    const repo = makeRepo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const written = { ...rewriteSame(repo, 'a.txt'), blob: repo.blob('b.txt') };
    const before = repo.index();
    const mtime = lstatSync(repo.indexPath, { bigint: true }).mtimeNs;
    assert.deepEqual(await repo.record([written]), ['a.txt']);
    assert.ok(repo.index().equals(before));
    assert.equal(lstatSync(repo.indexPath, { bigint: true }).mtimeNs, mtime);
    assertNoLock(repo);
  });

  it('returns an unmerged path', async () => {
    const repo = makeRepo({ 'a.txt': 'base\n', 'b.txt': 'beta\n' });
    const main = repo.git('symbolic-ref', '--short', 'HEAD').trim();
    repo.git('checkout', '-q', '-b', 'other');
    writeFileSync(join(repo.dir, 'a.txt'), 'other\n');
    repo.git('commit', '-q', '-am', 'other');
    repo.git('checkout', '-q', main);
    writeFileSync(join(repo.dir, 'a.txt'), 'main\n');
    repo.git('commit', '-q', '-am', 'main');
    assert.throws(() => repo.git('merge', '-q', 'other'));
    const stages = lsFiles(repo.dir, 'a.txt');
    assert.deepEqual(stages.map((e) => e.stage), [1, 2, 3]);
    const before = repo.index();
    // Whichever stage's blob the caller names.
    for (const { oid } of stages) {
      assert.deepEqual(await repo.record([{ path: 'a.txt', blob: oid, stat: repo.stat('a.txt') }]), ['a.txt']);
      assert.ok(repo.index().equals(before));
    }
    assertNoLock(repo);
  });

  it('returns every path for a split index and touches neither index file', async () => {
    // maxPercentChange 100: git never folds the split index back into a new shared one.
    const repo = makeRepo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' }, { config: { 'splitIndex.maxPercentChange': '100' } });
    repo.git('update-index', '--split-index');
    // An entry added after the split lives, with its path, in the split index itself.
    writeFileSync(join(repo.dir, 'new.txt'), 'new\n');
    utimesSync(join(repo.dir, 'new.txt'), Date.now() / 1000 - 10, Date.now() / 1000 - 10);
    repo.git('add', 'new.txt');
    const sharedFiles = (): Map<string, Buffer> =>
      new Map(
        readdirSync(join(repo.dir, '.git'))
          .filter((n) => n.startsWith('sharedindex.'))
          .map((n) => [n, readFileSync(join(repo.dir, '.git', n))]),
      );
    const sharedBefore = sharedFiles();
    assert.ok(sharedBefore.size >= 1);
    const before = repo.index();
    const split = parseIndex(before, 20);
    assert.ok(split.extensions.includes('link'));
    assert.ok(split.entries.some((e) => e.path === 'new.txt'));
    const written = [rewriteSame(repo, 'a.txt'), rewriteSame(repo, 'new.txt'), rewriteSame(repo, 'b.txt')];
    assert.deepEqual(await repo.record(written), ['a.txt', 'new.txt', 'b.txt']);
    assert.ok(repo.index().equals(before));
    assert.deepEqual(sharedFiles(), sharedBefore);
    assertNoLock(repo);
  });

  it('returns every path for an index it cannot parse, and leaves it as it is', async () => {
    const repo = makeRepo({ 'a.txt': 'alpha\n', 'b.txt': 'beta\n' });
    const written = [rewriteSame(repo, 'a.txt'), rewriteSame(repo, 'b.txt')];
    const damaged = repo.index();
    damaged[40]! ^= 0xff;
    writeFileSync(repo.indexPath, damaged);
    assert.deepEqual(await repo.record(written), ['a.txt', 'b.txt']);
    assert.ok(repo.index().equals(damaged));
    assertNoLock(repo);
  });

  it('returns every path when there is no index, and creates none', async () => {
    const repo = makeRepo({ 'a.txt': 'alpha\n' });
    const written = rewriteSame(repo, 'a.txt');
    await rm(repo.indexPath);
    assert.deepEqual(await repo.record([written]), ['a.txt']);
    assert.equal(existsSync(repo.indexPath), false);
    assertNoLock(repo);
  });
});

// A timeout, so that a lock wait that never ends fails instead of hanging the run.
describe('recordStatData and index.lock', { timeout: 15_000 }, () => {
  it('waits while another git command holds index.lock, then records', async () => {
    const repo = makeRepo({ 'a.txt': 'alpha\n' });
    const written = rewriteSame(repo, 'a.txt');
    await writeFile(repo.lockPath, 'another git command\n');
    const started = performance.now();
    const released = sleep(300).then(() => rm(repo.lockPath));
    assert.deepEqual(await repo.record([written], { ...NO_WAIT, waitMs: 10_000 }), []);
    await released;
    assert.ok(performance.now() - started >= 290, 'did not wait for the lock');
    assert.deepEqual(repo.entry('a.txt').stat, gitStat(written.stat));
    assert.equal(repo.status(), '');
    assertNoLock(repo);
  });

  it('gives up with IndexLockedError after waitMs, leaving the other lock and the index alone', async () => {
    const repo = makeRepo({ 'a.txt': 'alpha\n' });
    const written = rewriteSame(repo, 'a.txt');
    await writeFile(repo.lockPath, 'another git command\n');
    const before = repo.index();
    try {
      const started = performance.now();
      await assert.rejects(repo.record([written], { ...NO_WAIT, waitMs: 300 }), (err: unknown) => {
        assert.ok(err instanceof IndexLockedError, String(err));
        assert.equal(realpathSync(err.lockPath), realpathSync(repo.lockPath));
        assert.match(err.message, /index\.lock is held by another git command/);
        return true;
      });
      assert.ok(performance.now() - started >= 290);
      assert.equal(readFileSync(repo.lockPath, 'utf8'), 'another git command\n');
      assert.ok(repo.index().equals(before));
    } finally {
      await rm(repo.lockPath, { force: true });
    }
  });
});

describe('recordStatData keeps git racy-clean protection', () => {
  // An entry racily clean against the old index: recorded in the second the index was written, then
  // the file changed in that same second without changing size. Git catches it only because the
  // entry's mtime is not older than the index file; once we write a newer index that no longer
  // holds, so such entries must be smudged (size 0), as git's own index writes do.
  it('smudges entries racy against the index it replaces, so git still sees their changes', async () => {
    const repo = makeRepo({ 'a.txt': 'alpha\n', 'b.txt': 'bbbb\n', 'c.txt': 'cccc\n' });
    // The dangerous state, made deterministic with explicit times: b.txt's entry names "bbbb" but
    // carries the stat data of the file now holding "BBBB" (same size), with the same mtime second
    // as the index file. c.txt the same, but unchanged.
    const T = Math.floor(Date.now() / 1000) - 100;
    writeFileSync(join(repo.dir, 'b.txt'), 'BBBB\n');
    utimesSync(join(repo.dir, 'b.txt'), T, T);
    utimesSync(join(repo.dir, 'c.txt'), T, T);
    const data = repo.index();
    const parsed = parseIndex(data, 20);
    for (const path of ['b.txt', 'c.txt']) writeStat(data, parsed.entries.find((e) => e.path === path)!.offset, gitStat(repo.stat(path)));
    seal(data, 20);
    writeFileSync(repo.indexPath, data);
    utimesSync(repo.indexPath, T, T);

    // Control: the same index in a file of today would hide the change from git.
    const control = join(base, `control-index-${repoCount}`);
    writeFileSync(control, data);
    assert.equal(run(repo.dir, ['diff-files', '--name-only'], { GIT_INDEX_FILE: control }), '', 'the hazard is not set up');
    // The real index, as old as the entries: git compares content and sees it.
    assert.equal(repo.git('diff-files', '--name-only'), 'b.txt\n');

    const written = rewriteSame(repo, 'a.txt');
    assert.deepEqual(await repo.record([written]), []);
    assertNoLock(repo);
    assert.ok(lstatSync(repo.indexPath).mtimeMs / 1000 > T + 50, 'the index was rewritten');

    assert.deepEqual(repo.entry('a.txt').stat, gitStat(written.stat));
    assert.equal(repo.entry('b.txt').stat.size, 0, 'b.txt not smudged');
    assert.equal(repo.entry('c.txt').stat.size, 0, 'c.txt not smudged');
    // Everything else about them is left as it was.
    assert.deepEqual({ ...repo.entry('b.txt').stat, size: 5 }, gitStat(repo.stat('b.txt')));
    // Plumbing does not refresh: both smudged entries look modified to it until git compares them.
    assert.equal(repo.git('diff-files', '--name-only'), 'b.txt\nc.txt\n');
    assert.equal(repo.status(), ' M b.txt\n');
    assert.equal(repo.git('diff', '--name-only'), 'b.txt\n');
  });
});
