import type { BigIntStats } from 'node:fs';
import { LfsLazyError } from '../errors/index.js';
import { git } from '../git/git.js';
import { DEFAULT_INDEX_LOCK_WAIT_MS, INDEX_LOCK_POLL, IndexLockedError, recordStatData, type WrittenFile } from '../git/index-stat.js';
import { waitWithBackoff } from '../util/retry.js';

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
  const waitMs = options.waitMs ?? DEFAULT_INDEX_LOCK_WAIT_MS;
  const input = paths.map((p) => `${p}\0`).join('');
  const refreshed = await waitWithBackoff(
    async () => {
      const result = await git(['update-index', '-q', '--refresh', '-z', '--stdin'], { cwd: root, okCodes: [1, 128], input });
      if (result.code !== 128) return true;
      // With -q, update-index exits 128 without a word exactly when it could not take index.lock
      // (builtin/update-index.c); any other fatal error says what it is.
      const detail = result.stderr.trim();
      if (detail !== '' && !detail.includes('index.lock')) throw new LfsLazyError(`git update-index failed: ${detail.split('\n')[0]}`);
      return undefined;
    },
    { timeoutMs: waitMs, backoff: INDEX_LOCK_POLL },
  );
  if (refreshed) return;
  const lock = (await git(['rev-parse', '--path-format=absolute', '--git-path', 'index.lock'], { cwd: root })).stdout.trim();
  throw lockStayed(lock, waitMs);
}

function lockStayed(lock: string, waitMs: number): LfsLazyError {
  return new LfsLazyError(
    `the files are in place, but ${lock} (another git command's lock on the index) stayed for ${waitMs} ms; ` +
      'if no git command is running, delete it (a git process was killed), then run the same lfs-lazy command again so that `git status` does not list the files as modified',
  );
}

// The index side of a run that rewrote working-tree files. Files whose stat data we know (see
// git/index-stat.ts) are recorded directly, in one short hold of index.lock at the end: git never
// reads them back, and other git commands are not locked out while files are written. The rest
// (a file someone else gave its content, one touched right after our rename, an index we do not
// rewrite) go through `git update-index --refresh`.
export class IndexUpdate {
  private readonly written: WrittenFile[] = [];
  private readonly toRefresh: string[] = [];
  private readonly unmerged = new Set<string>();
  // Paths whose stat data is recorded only if their entry names the given blob (wroteIfIndexed).
  private readonly recordOnly = new Set<string>();

  constructor(
    private readonly root: string,
    private readonly options: { waitMs?: number; indexFile?: string } = {},
  ) {}

  // A path with a conflict under way is never handed to git: `update-index` would stage the file
  // and so resolve the conflict behind the user's back. Its index entries have no stat data to keep.
  leaveUnmerged(files: ReadonlyArray<{ path: string; unmerged: boolean }>): void {
    for (const file of files) if (file.unmerged) this.unmerged.add(file.path);
  }

  // A file we wrote that cleans to `blob`; `stat` as WorktreeWriter.replace/commit reported it (none: unknown).
  wrote(path: string, blob: string, stat: BigIntStats | undefined): void {
    if (this.unmerged.has(path)) return;
    if (stat) this.written.push({ path, blob, stat });
    else this.toRefresh.push(path);
  }

  // A file we wrote that cleans to `blob` while its index entry may name another (the pointer of
  // another version, which hydrate gave its content): its stat data is recorded if the entry names
  // `blob` by the time the index is written — a checkout under way when hydrate read the index
  // has moved it there — and it is never handed to git otherwise, which would stage the file.
  wroteIfIndexed(path: string, blob: string, stat: BigIntStats | undefined): void {
    if (this.unmerged.has(path) || !stat) return;
    this.written.push({ path, blob, stat });
    this.recordOnly.add(path);
  }

  // A file whose content is right but whose stat data git must take itself.
  refresh(path: string): void {
    if (!this.unmerged.has(path)) this.toRefresh.push(path);
  }

  // Returns how many files were recorded directly and how many git re-indexed.
  async finish(): Promise<{ recorded: number; refreshed: number }> {
    let left: string[];
    try {
      left = await recordStatData(this.root, this.written, this.options);
    } catch (err) {
      if (err instanceof IndexLockedError) throw lockStayed(err.lockPath, this.options.waitMs ?? DEFAULT_INDEX_LOCK_WAIT_MS);
      throw err;
    }
    const refresh = [...this.toRefresh, ...left.filter((path) => !this.recordOnly.has(path))];
    await refreshIndex(this.root, refresh, this.options);
    return { recorded: this.written.length - left.length, refreshed: refresh.length };
  }
}
