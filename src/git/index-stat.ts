import { lstatSync, type BigIntStats } from 'node:fs';
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import { fsPath } from '../util/path-bytes.js';
import { waitWithBackoff, type Backoff } from '../util/retry.js';
import { git } from './git.js';
import { IndexFormatError, parseIndex, seal, smudgeSize, writeStat, type StatData } from './index-format.js';

// Telling git's index about working-tree files we wrote ourselves, without git reading them back.
//
// After hydrate replaces a pointer with its content, the file still cleans to the blob the index
// has, but its stat data no longer matches, and git trusts a size change without a look
// (read-cache.c ie_modified). `git update-index --refresh` would fix that by piping every byte
// through the clean filter again — for a 1 GiB file, one more full read and hash. We know what we
// wrote, so we record its stat data the way git does after a checkout: under git's own lock
// (index.lock, O_EXCL), rewriting only the stat fields of entries that still name the expected
// blob, for files whose stat is still exactly what it was right after our rename.
//
// What git's racy-clean rule needs is kept: an entry is trusted by stat only if its mtime is
// older than the index file (compared in whole seconds), so entries that were racy against the
// index we replace are smudged (size 0: git compares their content next time), as git does when
// it writes an index. Our own entries are trusted at once only because the files' mtimes were set
// back a second before the rename (worktree-writer.ts, WorktreeWriter.commit); one recorded with a current
// mtime is merely racy: compared by content once, by the next git command that looks. Anything
// this cannot do — a split index, an index it cannot parse, an entry that changed — is returned
// for `git update-index --refresh`.

export interface WrittenFile {
  // Root-relative, as in the index.
  path: string;
  // The blob the index entry must still name (the committed pointer).
  blob: string;
  // lstat of the file right after we renamed it into place.
  stat: BigIntStats;
}

export interface RecordOptions {
  // How long to wait for another git command's index.lock; default 60 s.
  waitMs?: number;
  // The index file, when the caller knows it already (RepositoryPaths.indexFile): no git run to ask.
  indexFile?: string;
}

export class IndexLockedError extends LfsLazyError {
  constructor(readonly lockPath: string) {
    super(`${lockPath} is held by another git command`, { code: ErrorCode.Unavailable, retryable: true });
  }
}

// How long to wait for another git command's index.lock, and the pauses between tries (at most
// 1.5 s): shared by everything in lfs-lazy that waits for git's index.
export const DEFAULT_INDEX_LOCK_WAIT_MS = 60_000;
export const INDEX_LOCK_POLL: Backoff = { baseDelayMs: 50, maxDelayMs: 1_500 };

// Returns the paths whose stat data could not be recorded (the caller refreshes them through git).
export async function recordStatData(root: string, files: readonly WrittenFile[], options: RecordOptions = {}): Promise<string[]> {
  if (files.length === 0) return [];
  const indexPath = options.indexFile ?? (await git(['rev-parse', '--path-format=absolute', '--git-path', 'index'], { cwd: root })).stdout.trim();
  const lockPath = `${indexPath}.lock`;
  const lock = await acquireLock(lockPath, options.waitMs ?? DEFAULT_INDEX_LOCK_WAIT_MS);
  let renamed = false;
  try {
    let data: Buffer;
    let old: BigIntStats;
    try {
      data = await readFile(indexPath);
      old = lstatSync(indexPath, { bigint: true });
    } catch {
      return files.map((f) => f.path);
    }
    const indexMtimeSec = Number(old.mtimeNs / 1_000_000_000n);
    const hashLength = files[0]!.blob.length === 64 ? 32 : 20;
    let parsed;
    try {
      parsed = parseIndex(data, hashLength);
    } catch (err) {
      if (err instanceof IndexFormatError) return files.map((f) => f.path);
      throw err;
    }
    // A split index keeps most entries in a shared file: not rewritten here.
    if (parsed.extensions.includes('link')) return files.map((f) => f.path);

    const byPath = new Map(parsed.entries.filter((e) => e.stage === 0).map((e) => [e.path, e]));
    const recorded = new Set<number>();
    const left: string[] = [];
    for (const file of files) {
      const entry = byPath.get(file.path);
      const now = currentStat(root, file.path);
      // A --skip-worktree or --assume-unchanged entry gets its stat data too, keeping its flag: git
      // does not look at the file while the flag is set, but trusts that stat data once it is
      // cleared, and would call a file we rewrote modified by its size alone. (`git update-index
      // --refresh` leaves such entries as they are, so only this can keep them true.)
      if (!entry || entry.intentToAdd || entry.oid !== file.blob || !now || !sameFile(now, file.stat)) {
        left.push(file.path);
        continue;
      }
      writeStat(data, entry.offset, statData(now));
      recorded.add(entry.offset);
    }
    if (recorded.size === 0) return left;
    for (const entry of parsed.entries) {
      // Files and symlinks only: git never trusts a gitlink's stat data, and a sparse index's
      // directory entries have none.
      if (recorded.has(entry.offset) || !/^1(00|20)/.test(entry.mode) || entry.stat.size === 0) continue;
      if (entry.stat.mtimeSec >= indexMtimeSec) smudgeSize(data, entry.offset);
    }
    seal(data, hashLength);
    // The index keeps its permission bits (core.sharedRepository makes it group-writable).
    await lock.chmod(Number(old.mode) & 0o7777);
    await lock.writeFile(data);
    await lock.close();
    await rename(lockPath, indexPath);
    renamed = true;
    return left;
  } finally {
    if (!renamed) {
      await lock.close().catch(() => undefined);
      await rm(lockPath, { force: true });
    }
  }
}

// Git's own lock protocol: whoever creates index.lock first may write the index. Another git
// command holding it is waited out with backoff, then reported (the caller decides what to say).
async function acquireLock(lockPath: string, waitMs: number): Promise<FileHandle> {
  const lock = await waitWithBackoff(
    async () => {
      try {
        return await open(lockPath, 'wx', 0o666);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        return undefined;
      }
    },
    { timeoutMs: waitMs, backoff: INDEX_LOCK_POLL },
  );
  if (lock === undefined) throw new IndexLockedError(lockPath);
  return lock;
}

function currentStat(root: string, path: string): BigIntStats | undefined {
  try {
    const st = lstatSync(fsPath(root, path), { bigint: true });
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

function sameFile(a: BigIntStats, b: BigIntStats): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

function statData(st: BigIntStats): StatData {
  const sec = (ns: bigint): number => Number(ns / 1_000_000_000n);
  const nsec = (ns: bigint): number => Number(ns % 1_000_000_000n);
  const low = (v: bigint): number => Number(v & 0xffffffffn);
  return {
    ctimeSec: sec(st.ctimeNs),
    ctimeNsec: nsec(st.ctimeNs),
    mtimeSec: sec(st.mtimeNs),
    mtimeNsec: nsec(st.mtimeNs),
    dev: low(st.dev),
    ino: low(st.ino),
    uid: low(st.uid),
    gid: low(st.gid),
    size: low(st.size),
  };
}
