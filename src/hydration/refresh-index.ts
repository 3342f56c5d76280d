import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { LfsLazyError } from '../errors/index.js';
import { git } from '../git/git.js';

// What git's index says about the working tree, and keeping it in step after we rewrite files.

// Tells the index about files we rewrote. Git trusts a size change without looking at the content
// (read-cache.c ie_modified: DATA_CHANGED with a recorded size), so a plain --refresh would leave a
// hydrated file "modified"; listing the paths re-indexes them through the clean filter — the same
// blob, new stat data — as git-lfs does after `git lfs pull`. `-q`: an unrelated modified entry is
// not a failure. (A user edit landing between our rename and this call would be staged: the window
// is this one git run, as with git-lfs.)
//
// Another git command (a checkout, a commit, another hydrate's refresh) may hold index.lock: git
// then refuses at once. That is waited out, with backoff, for up to `waitMs` (default 60 s) — the
// files are in place already, only their stat data is missing — then reported naming the lock and
// the remedy (a lock left by a killed git is never removed for the user: git gives no way to tell
// it from a live one).
export async function refreshIndex(root: string, paths: readonly string[], options: { waitMs?: number } = {}): Promise<void> {
  if (paths.length === 0) return;
  const deadline = Date.now() + (options.waitMs ?? DEFAULT_INDEX_LOCK_WAIT_MS);
  const input = paths.map((p) => `${p}\0`).join('');
  for (let attempt = 0; ; attempt++) {
    const result = await git(['update-index', '-q', '--refresh', '-z', '--stdin'], { cwd: root, okCodes: [1, 128], input });
    if (result.code !== 128) return;
    // With -q, update-index exits 128 without a word exactly when it could not take index.lock
    // (builtin/update-index.c); any other fatal error says what it is.
    const detail = result.stderr.trim();
    if (detail !== '' && !detail.includes('index.lock')) throw new LfsLazyError(`git update-index failed: ${detail.split('\n')[0]}`);
    if (Date.now() >= deadline) {
      const lock = (await git(['rev-parse', '--path-format=absolute', '--git-path', 'index.lock'], { cwd: root })).stdout.trim();
      throw new LfsLazyError(
        `the files are in place, but ${lock} (another git command's lock on the index) stayed for ${options.waitMs ?? DEFAULT_INDEX_LOCK_WAIT_MS} ms; ` +
          'if no git command is running, delete it (a git process was killed), then run the same lfs-lazy command again so that `git status` does not list the files as modified',
      );
    }
    await sleep(Math.min(1_000, 25 * 2 ** Math.min(attempt, 6)) * (0.5 + Math.random()));
  }
}

export const DEFAULT_INDEX_LOCK_WAIT_MS = 60_000;

// refreshIndex, fed while the files are still being written: `update-index --stdin` handles each
// path as it arrives, so re-indexing (a clean of every file) overlaps the downloads instead of
// following them. Spawned on the first path, so the index is locked only once there is work.
// Should the streaming run fail (e.g. another git command held index.lock), finish() re-runs the
// refresh for every path once.
export class StreamingIndexRefresh {
  private child: ChildProcess | undefined;
  private exit: Promise<number> | undefined;
  private readonly paths: string[] = [];

  constructor(private readonly root: string) {}

  add(path: string): void {
    this.paths.push(path);
    if (!this.child) {
      const child = spawn('git', ['update-index', '-q', '--refresh', '-z', '--stdin'], { cwd: this.root, stdio: ['pipe', 'ignore', 'ignore'] });
      child.stdin.on('error', () => undefined);
      this.exit = new Promise((resolve) => {
        child.on('error', () => resolve(-1));
        child.on('close', (code) => resolve(code ?? -1));
      });
      this.child = child;
    }
    this.child.stdin?.write(`${path}\0`);
  }

  async finish(): Promise<void> {
    if (!this.child || !this.exit) return;
    this.child.stdin?.end();
    const code = await this.exit;
    if (code !== 0 && code !== 1) await refreshIndex(this.root, this.paths);
  }
}

// Paths (root-relative) among `pathspecs` whose working file differs from the index, deleted ones
// included. `ls-files -m` compares content (through the clean filter) for stat-dirty entries of
// the recorded size, so a re-indexed hydrated file touched since is not reported; an entry whose
// size changed is reported without a look (a hydrated file never re-indexed: classifyFiles checks
// those by hash).
export async function modifiedPaths(root: string, pathspecs: readonly string[]): Promise<Set<string>> {
  const { stdout } = await git(['ls-files', '-m', '-z', '--full-name', '--', ...pathspecs], { cwd: root });
  return new Set(stdout.split('\0').filter((p) => p !== ''));
}

// The current directory relative to the working tree root, e.g. "data/train/" (or "").
export async function showPrefix(cwd: string): Promise<string> {
  return (await git(['rev-parse', '--show-prefix'], { cwd })).stdout.trim();
}
