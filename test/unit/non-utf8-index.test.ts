// A file name that is not UTF-8 in git's index: the entry is found under the name lfs-lazy holds
// (bytesToPath), so the stat data of a file hydrate wrote is recorded directly rather than handed
// to git for a re-read, and git then finds the file unmodified.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseIndex } from '../../src/git/index-format.js';
import { recordStatData } from '../../src/git/index-stat.js';
import { WorktreeWriter } from '../../src/hydration/worktree-writer.js';

const NAME = Buffer.from([0x61, 0xff, 0x2e, 0x62, 0x69, 0x6e]);
const PATH = 'a\udcff.bin';

describe('a non-UTF-8 name in the index', () => {
  let dir: string;
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir },
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-nonutf8-'));
    git('init', '-q');
    const file = Buffer.concat([Buffer.from(`${dir}/`), NAME]);
    writeFileSync(file, 'one\n');
    // Not racy: older than the index written next.
    const past = Date.now() / 1000 - 10;
    utimesSync(file, past, past);
    git('add', '.');
    git('commit', '-q', '-m', 'odd name');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('parseIndex gives the entry the bytesToPath name', () => {
    const index = parseIndex(readFileSync(join(dir, '.git', 'index')), 20);
    assert.deepEqual(index.entries.map((e) => e.path), [PATH]);
  });

  it('recordStatData records a rewritten file under that name, and git finds it clean', async () => {
    // "100644 <blob> 0\t<name>"
    const oid = execFileSync('git', ['ls-files', '-s', '-z'], { cwd: dir }).subarray(7, 47).toString();
    const writer = new WorktreeWriter({ root: dir, tmpDir: join(dir, '.git', 'lfs', 'tmp'), excludeFile: join(dir, '.git', 'info', 'exclude') });
    const written = await writer.replace(PATH, { bytes: Buffer.from('one\n') }, 0o644, () => true);
    assert.ok(written.stat, 'the writer reports the stat of the file it renamed');
    const left = await recordStatData(dir, [{ path: PATH, blob: oid, stat: written.stat }], { waitMs: 5_000 });
    assert.deepEqual(left, []);
    git('diff-files', '--quiet');
  });
});
