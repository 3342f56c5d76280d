import { appendFileSync, chmodSync, constants, lstatSync, mkdirSync, readFileSync, renameSync, utimesSync, type BigIntStats } from 'node:fs';
import { copyFile, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, posix } from 'node:path';
import { LfsLazyError } from '../errors/index.js';
import type { RepositoryPaths } from '../git/repository-paths.js';
import { fsPath, type FsPath } from '../util/path-bytes.js';
import { ownerToken, sweepStaleTempsOnce } from '../util/temp-files.js';
import { leadingDirectoriesAreReal } from './worktree-file.js';

// Working-tree files are replaced the way git itself does it: the new content goes into a temp
// file, and only a file still in the state we inspected is renamed over it. Readers see the old
// bytes or the new ones, never a mix.
//
// The temp file lives in git-lfs's tmp directory (<git dir>/lfs/tmp), not beside the file: a
// hydrate killed mid-download must not leave hundreds of MB in the working tree for `git status`
// to list and `git add -A` to stage. rename(2) is atomic only within one filesystem, so a
// directory on another filesystem than that tmp directory (a mount inside the working tree,
// lfs.storage elsewhere) gets its temp file beside the file after all, hidden and named by a
// pattern that <git common dir>/info/exclude is given first.

export type Content = { bytes: Buffer } | { copyOf: string };

export interface Replaced {
  replaced: boolean;
  // lstat of the new file right after the rename, when nothing can have touched it since it was
  // written (same inode, size and mtime as the temp file): what git's index may record for it.
  stat?: BigIntStats;
  // Not replaced because a directory above the file is no longer a real directory (replaced by
  // a symlink): git calls such a path deleted, and nothing is written through it.
  gone?: boolean;
}

// What every temp file a writer makes is called: hidden, after the file, with an owner token
// (util/temp-files.ts) so that the leftovers of a killed process can be swept.
const isWorktreeTemp = (name: string): boolean => name.startsWith('.') && name.endsWith('.tmp');
export const WORKTREE_TEMP_EXCLUDE = '.*.lfs-lazy-*.tmp';
// Owner-only while written, like every temp file in git-lfs's tmp directory; the file's own
// permission bits are set right before the rename.
export const WORKTREE_TEMP_MODE = 0o600;

export interface WorktreeWriterPaths {
  // The working tree's root.
  root: string;
  // git-lfs's tmp directory (RepositoryPaths.tmpDir).
  tmpDir: string;
  // <git common dir>/info/exclude.
  excludeFile: string;
}

// The writer for a repository's working tree.
export function worktreeWriterFor(root: string, paths: Pick<RepositoryPaths, 'tmpDir' | 'commonDir'>): WorktreeWriter {
  return new WorktreeWriter({ root, tmpDir: paths.tmpDir, excludeFile: join(paths.commonDir, 'info', 'exclude') });
}

export class WorktreeWriter {
  private tmpDevice: Promise<bigint | undefined> | undefined;
  // Per working-tree directory: whether its temp files go to tmpDir (same filesystem).
  private readonly sameDevice = new Map<string, Promise<boolean>>();
  private excludeWritten = false;

  constructor(private readonly paths: WorktreeWriterPaths) {}

  get root(): string {
    return this.paths.root;
  }

  // A fresh temp file name for the file `rel` (root-relative), for replace() or for a caller that
  // fills it itself (hydrate writes it while downloading), then hands it to commit().
  async tempFor(rel: string): Promise<FsPath> {
    const dirRel = posix.dirname(rel);
    const dir = fsPath(this.paths.root, dirRel === '.' ? '' : dirRel);
    // At most 255 bytes, and valid UTF-8 whatever the file's name (the sweep lists names as text).
    const name = `.${basename(rel).slice(0, 40).replace(/[\ud800-\udfff]/g, '_')}.${ownerToken()}.tmp`;
    // What killed processes left beside files (before temp files moved to tmpDir, or on another
    // filesystem) goes with the first temp file for the directory; never through a symlink. (A
    // directory whose name is not UTF-8 cannot be listed as text: its leftovers stay excluded.)
    if (typeof dir === 'string' && leadingDirectoriesAreReal(this.paths.root, rel)) await sweepStaleTempsOnce(dir, { match: isWorktreeTemp });
    if (await this.onTmpDevice(dir)) return join(this.paths.tmpDir, name);
    this.excludeTemps();
    return typeof dir === 'string' ? join(dir, name) : Buffer.concat([dir, Buffer.from(`/${name}`)]);
  }

  // Replaces the file `rel` with `content`, keeping `mode`. `stillExpected` runs right before the
  // rename: when it says no (someone edited the file meanwhile), the temp file is dropped and
  // nothing replaced.
  async replace(rel: string, content: Content, mode: number, stillExpected: () => boolean | Promise<boolean>): Promise<Replaced> {
    const temp = await this.tempFor(rel);
    try {
      if ('bytes' in content) await writeFile(temp, content.bytes, { flag: 'wx', mode: WORKTREE_TEMP_MODE });
      // A reflink where the filesystem can (btrfs, xfs, APFS), a plain copy elsewhere.
      else await copyFile(content.copyOf, temp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    return this.commit(temp, rel, mode, stillExpected);
  }

  // Renames a filled temp file (from tempFor) over the file `rel`, as replace() does; the temp
  // file is gone afterwards whatever happens. The synchronous checks (every directory above the
  // file still a real one, `stillExpected`) are followed by the rename in the same tick: nothing
  // (no queued copy of another file, no other git command's write landing in between for longer
  // than a few system calls) can come between them.
  async commit(temp: FsPath, rel: string, mode: number, stillExpected: () => boolean | Promise<boolean>): Promise<Replaced> {
    const target = fsPath(this.paths.root, rel);
    const attempt = async (): Promise<Replaced | 'other-filesystem'> => {
      const expected = stillExpected();
      if (!(typeof expected === 'boolean' ? expected : await expected)) return { replaced: false };
      return this.place(temp, target, rel, mode);
    };
    try {
      let result = await attempt();
      if (result === 'other-filesystem') {
        // tmpDir looked like the file's filesystem but is not (a bind mount): copied beside it.
        this.sameDevice.set(directoryKey(target), Promise.resolve(false));
        const beside = await this.tempFor(rel);
        try {
          await copyFile(temp, beside, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
        } finally {
          await rm(temp, { force: true });
        }
        temp = beside;
        result = await attempt();
        if (result === 'other-filesystem') throw new LfsLazyError(`cannot rename ${temp.toString()} over ${target.toString()}: not the same filesystem`);
      }
      if (!result.replaced) await rm(temp, { force: true });
      return result;
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
  }

  // The permission bits, the mtime (see backdate), a last look at the directories above the file,
  // and the rename: all synchronous.
  private place(temp: FsPath, target: FsPath, rel: string, mode: number): Replaced | 'other-filesystem' {
    // Made with the mode less the umask (or copied with the object's): set only where that differs.
    if ((lstatSync(temp).mode & 0o7777) !== mode) chmodSync(temp, mode);
    backdate(temp);
    const written = lstatSync(temp, { bigint: true });
    if (!leadingDirectoriesAreReal(this.paths.root, rel)) return { replaced: false, gone: true };
    try {
      renameSync(temp, target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EXDEV') return 'other-filesystem';
      throw err;
    }
    const placed = lstatSync(target, { bigint: true });
    const untouched = placed.ino === written.ino && placed.size === written.size && placed.mtimeNs === written.mtimeNs;
    return untouched ? { replaced: true, stat: placed } : { replaced: true };
  }

  // Whether `dir` is on the filesystem of tmpDir (created, and swept of dead processes' temp
  // files, on first use). One stat per directory.
  private onTmpDevice(dir: FsPath): Promise<boolean> {
    this.tmpDevice ??= mkdir(this.paths.tmpDir, { recursive: true, mode: 0o700 })
      .then(() => sweepStaleTempsOnce(this.paths.tmpDir))
      .then(async () => (await stat(this.paths.tmpDir, { bigint: true })).dev)
      .catch(() => undefined);
    const key = directoryKey(dir, false);
    let same = this.sameDevice.get(key);
    if (same === undefined) {
      same = Promise.all([this.tmpDevice, stat(dir, { bigint: true }).then((st) => st.dev, () => undefined)]).then(
        ([tmp, here]) => tmp !== undefined && tmp === here,
      );
      this.sameDevice.set(key, same);
    }
    return same;
  }

  // Before the first temp file beside a working-tree file: its name pattern goes into
  // info/exclude (if not there), so that even a leftover of a killed run is never listed by
  // `git status` or staged by `git add -A`. Synchronous: once per run at most, and rare.
  private excludeTemps(): void {
    if (this.excludeWritten) return;
    this.excludeWritten = true;
    const file = this.paths.excludeFile;
    try {
      let current = '';
      try {
        current = readFileSync(file, 'utf8');
      } catch {
        mkdirSync(dirname(file), { recursive: true });
      }
      if (current.split('\n').includes(WORKTREE_TEMP_EXCLUDE)) return;
      const separator = current === '' || current.endsWith('\n') ? '' : '\n';
      appendFileSync(file, `${separator}# temp files of lfs-lazy hydrate and dehydrate\n${WORKTREE_TEMP_EXCLUDE}\n`);
    } catch {
      // A git directory we cannot write to: the temp file still works, it is only not excluded.
    }
  }
}

// Git trusts an index entry's stat data only when the file's mtime is in an earlier second than the
// index file (racy git: a same-second edit could otherwise go unseen); a same-second entry gets its
// content compared on the next `git status`, which for a hydrated file means reading all of it back
// through the clean filter. So the new file's mtime is set just over a second back, while it is
// still our private temp file: an index written from now on trusts it, and any later write to the
// file sets a current mtime, which git sees as a change. Just over: file times come from the
// kernel's coarse clock, which may trail Date.now() by a tick. A filesystem that refuses to set
// times only costs that one read-back: the file is still written.
const BACKDATE_MS = 1_050;
function backdate(path: FsPath): void {
  const now = Date.now();
  try {
    utimesSync(path, now / 1000, (now - BACKDATE_MS) / 1000);
  } catch {
    // left with its current mtime: racy, so compared by content once (see above)
  }
}

// The key of sameDevice for a directory, or for the directory of a file (`ofFile`).
function directoryKey(path: FsPath, ofFile = true): string {
  const text = typeof path === 'string' ? path : path.toString('latin1');
  return ofFile ? dirname(text) : text;
}
