// refreshIndex against git's index lock: another git command holding index.lock is waited out; a
// lock that stays is reported with its path and what to do.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { refreshIndex } from '../../src/hydration/refresh-index.js';

describe('refreshIndex and index.lock', () => {
  let repo: string;
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: repo } });
  const lock = (): string => join(repo, '.git', 'index.lock');

  before(async () => {
    repo = await mkdtemp(join(tmpdir(), 'lfs-lazy-refresh-'));
    git('init', '-q');
    await writeFile(join(repo, 'a.txt'), 'one\n');
    git('add', 'a.txt');
    git('commit', '-q', '-m', 'a');
  });
  after(() => rm(repo, { recursive: true, force: true }));

  it('waits while another git command holds the index, then re-indexes', async () => {
    await writeFile(join(repo, 'a.txt'), 'two, longer\n');
    await writeFile(lock(), '');
    const released = sleep(300).then(() => rm(lock()));
    await refreshIndex(repo, ['a.txt'], { waitMs: 10_000 });
    await released;
    assert.equal(git('diff-files', '--name-only'), '', 'a.txt was re-indexed');
    git('checkout', '--', '.');
    git('reset', '-q', '--hard');
  });

  it('names the lock and the remedy when it stays', async () => {
    await writeFile(join(repo, 'a.txt'), 'three, longer still\n');
    await writeFile(lock(), '');
    try {
      await assert.rejects(
        refreshIndex(repo, ['a.txt'], { waitMs: 300 }),
        (err: Error) =>
          err.message.includes(`${lock()} (another git command's lock on the index) stayed for 300 ms`) &&
          err.message.includes('if no git command is running, delete it'),
      );
    } finally {
      await rm(lock(), { force: true });
    }
  });

  it('reports any other failure of git at once', async () => {
    await assert.rejects(refreshIndex(join(repo, '.git'), ['a.txt'], { waitMs: 10_000 }), /git update-index failed: fatal: /);
  });
});
