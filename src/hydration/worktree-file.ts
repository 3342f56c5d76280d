import { createHash } from 'node:crypto';
import { chmodSync, closeSync, constants, fstatSync, lstatSync, openSync, readSync, renameSync, utimesSync, type BigIntStats } from 'node:fs';
import { copyFile, lstat, open, rm, writeFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { bytesToPath, fsPath } from '../util/path-bytes.js';
import { ownerToken, sweepStaleTempsOnce } from '../util/temp-files.js';

// Working-tree files are replaced the way git itself does it: the new content goes into a temp file
// in the same directory (same filesystem, so rename is atomic), and only a file still in the state
// we inspected is renamed over. Readers see the old bytes or the new ones, never a mix.

export type Content = { bytes: Buffer } | { copyOf: string };

// A working-tree path as fs takes it: a Buffer for a name that is not UTF-8 (util/path-bytes.ts).
export type FsPath = string | Buffer;

export interface FileSnapshot {
  // false for a directory, symlink, … in the file's place: never ours to overwrite.
  regular: boolean;
  size: number;
  mtimeNs: bigint;
  ctimeNs: bigint;
  ino: bigint;
  mode: number;
}

// undefined: nothing there.
export async function snapshot(path: FsPath): Promise<FileSnapshot | undefined> {
  try {
    return toSnapshot(await lstat(path, { bigint: true }));
  } catch (err) {
    if (isAbsent(err)) return undefined;
    throw err;
  }
}

// snapshot() without yielding: for the check right before a rename (see replaceFile).
export function snapshotSync(path: FsPath): FileSnapshot | undefined {
  try {
    return toSnapshot(lstatSync(path, { bigint: true }));
  } catch (err) {
    if (isAbsent(err)) return undefined;
    throw err;
  }
}

function toSnapshot(st: BigIntStats): FileSnapshot {
  return { regular: st.isFile(), size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino, mode: Number(st.mode) & 0o7777 };
}

function isAbsent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export function sameSnapshot(a: FileSnapshot | undefined, b: FileSnapshot | undefined): boolean {
  if (a === undefined || b === undefined || !a.regular || !b.regular) return false;
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino;
}

// True when the file holds exactly `expected` (a pointer: under 1024 bytes); reads at most
// expected.length + 1 bytes, so a multi-gigabyte hydrated file costs one stat. Synchronous on
// purpose: it is that small, and right before a rename (see replaceFile) it must not yield.
export async function hasExactBytes(path: FsPath, expected: Buffer): Promise<boolean> {
  return hasExactBytesSync(path, expected);
}

export function hasExactBytesSync(path: FsPath, expected: Buffer): boolean {
  let fd;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size !== expected.length) return false;
    const buffer = Buffer.alloc(expected.length + 1);
    let read = 0;
    while (read < buffer.length) {
      const bytesRead = readSync(fd, buffer, read, buffer.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read === expected.length && buffer.subarray(0, read).equals(expected);
  } finally {
    closeSync(fd);
  }
}

// True when the file is exactly the object `oid` of `size` bytes (hashes the whole file: only for
// the rare cases where nothing cheaper can tell).
export async function holdsObject(path: FsPath, oid: string, size: number): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size !== size) return false;
    const hash = createHash('sha256');
    for await (const chunk of handle.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false }) as AsyncIterable<Buffer>) hash.update(chunk);
    return hash.digest('hex') === oid;
  } catch {
    return false;
  } finally {
    await handle.close();
  }
}

// The permission bits for a file of this git mode, when there is no current file to keep them from.
export function modeForGit(gitMode: string): number {
  return gitMode === '100755' ? 0o755 : 0o644;
}

// Temp files of replaceFile: hidden, named after the file, with an owner token.
const isWorktreeTemp = (name: string): boolean => name.startsWith('.') && name.endsWith('.tmp');

export interface Replaced {
  replaced: boolean;
  // lstat of the new file right after the rename, when nothing can have touched it since it was
  // written (same inode, size and mtime as the temp file): what git's index may record for it.
  stat?: BigIntStats;
}

// A fresh temp file name next to `target` (same directory, so the rename is atomic), for
// replaceFile or for a caller that fills it itself (hydrate writes it while downloading). Before
// the first temp file in a directory, the temp files that killed processes left there go.
export async function tempFileFor(target: FsPath): Promise<FsPath> {
  const path = typeof target === 'string' ? target : bytesToPath(target);
  const dir = dirname(path);
  await sweepStaleTempsOnce(dir, { match: isWorktreeTemp });
  // Cut short: a name is at most 255 bytes. Made valid UTF-8, so the sweep, which reads names as
  // strings, can find it again.
  return fsPath(dir, `.${wellFormed(basename(path).slice(0, 40))}.${ownerToken()}.tmp`);
}

// Lone surrogates (escaped bytes, or half a pair cut by slice) replaced by U+FFFD.
function wellFormed(name: string): string {
  return name.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

// Replaces `target` with `content`, keeping `mode`. `stillExpected` runs right before the rename:
// when it says no (someone edited the file meanwhile), the temp file is dropped and nothing replaced.
export async function replaceFile(
  target: FsPath,
  content: Content,
  mode: number,
  stillExpected: () => boolean | Promise<boolean>,
): Promise<Replaced> {
  const temp = await tempFileFor(target);
  try {
    if ('bytes' in content) {
      await writeFile(temp, content.bytes, { flag: 'wx', mode });
    } else {
      // A reflink where the filesystem can (btrfs, xfs, APFS), a plain copy elsewhere.
      await copyFile(content.copyOf, temp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    }
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return commitTempFile(temp, target, mode, stillExpected);
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

// Renames a filled temp file (from tempFileFor) over `target`, as replaceFile does; the temp file
// is gone afterwards whatever happens. A synchronous check is followed by the rename in the same
// tick: nothing (no queued copy of another file, no other git command's write landing in between
// for longer than two system calls) can come between them.
export async function commitTempFile(
  temp: FsPath,
  target: FsPath,
  mode: number,
  stillExpected: () => boolean | Promise<boolean>,
): Promise<Replaced> {
  try {
    const expected = stillExpected();
    if (!(typeof expected === 'boolean' ? expected : await expected)) {
      await rm(temp, { force: true });
      return { replaced: false };
    }
    // Made with the mode less the umask (or copied with the object's): set only where that differs.
    if ((lstatSync(temp).mode & 0o7777) !== mode) chmodSync(temp, mode);
    backdate(temp);
    const written = lstatSync(temp, { bigint: true });
    renameSync(temp, target);
    const placed = lstatSync(target, { bigint: true });
    const untouched = placed.ino === written.ino && placed.size === written.size && placed.mtimeNs === written.mtimeNs;
    return untouched ? { replaced: true, stat: placed } : { replaced: true };
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
