import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type BigIntStats } from 'node:fs';
import { open } from 'node:fs/promises';
import { fsPath, type FsPath } from '../util/path-bytes.js';
import { lstat } from '../util/plain-fs.js';

// Looking at working-tree files without being fooled: what is at a path (never following a
// symlink, in the last component or any directory above it), and whether it holds given bytes.
// Writing them is worktree-writer.ts.

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

// snapshot() without yielding: for the check right before a rename (worktree-writer.ts).
export function snapshotSync(path: FsPath): FileSnapshot | undefined {
  try {
    return toSnapshot(lstatSync(path, { bigint: true }));
  } catch (err) {
    if (isAbsent(err)) return undefined;
    throw err;
  }
}

export function toSnapshot(st: BigIntStats): FileSnapshot {
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

// Git never looks at, or writes to, a path with a symlink (or a file) where a directory above it
// should be: it reports the path deleted (has_symlink_leading_path). Neither do we, so that a
// working-tree directory replaced by a symlink to elsewhere cannot make us read or write a file
// outside the repository. Checks every directory between `root` (trusted: git resolved it) and
// the file `rel` (root-relative, `/`-separated) with lstat. `known` caches answers for the
// directories of one scan; a check right before a write passes none.
export function leadingDirectoriesAreReal(root: string, rel: string, known?: Map<string, boolean>): boolean {
  const parts = rel.split('/');
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts.slice(0, i + 1).join('/');
    const dir = fsPath(root, key);
    let real = known?.get(key);
    if (real === undefined) {
      try {
        real = lstatSync(dir).isDirectory();
      } catch {
        real = false;
      }
      known?.set(key, real);
    }
    if (!real) return false;
  }
  return true;
}

export interface SmallFile {
  // From the descriptor the bytes were read through: the two belong together.
  snapshot: FileSnapshot;
  // The whole file when it is at most `limit` bytes, else undefined.
  bytes: Buffer | undefined;
}

// Reads a regular file of at most `limit` bytes whole (a pointer, or a pointer with CRLF line
// ends: a few KiB); anything larger costs one stat. The snapshot comes from the same open file
// as the bytes, so a rename landing in between (another hydrate) cannot pair the stat of one
// file with the bytes of another. undefined: nothing there, a symlink, a FIFO or a directory.
export function readSmallSync(path: FsPath, limit: number): SmallFile | undefined {
  let fd;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) return undefined;
    const size = Number(st.size);
    if (size > limit) return { snapshot: toSnapshot(st), bytes: undefined };
    const buffer = Buffer.alloc(size + 1);
    let read = 0;
    while (read < buffer.length) {
      const bytesRead = readSync(fd, buffer, read, buffer.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    // Grew while read: not the small file it was.
    return { snapshot: toSnapshot(st), bytes: read === size ? buffer.subarray(0, read) : undefined };
  } finally {
    closeSync(fd);
  }
}

// True when the file holds exactly `expected` (a pointer: under 1024 bytes); reads at most
// expected.length + 1 bytes, so a multi-gigabyte hydrated file costs one stat. Synchronous on
// purpose: it is that small, and right before a rename (see worktree-writer.ts) it must not yield.
export async function hasExactBytes(path: FsPath, expected: Buffer): Promise<boolean> {
  return hasExactBytesSync(path, expected);
}

export function hasExactBytesSync(path: FsPath, expected: Buffer): boolean {
  return readSmallSync(path, expected.length)?.bytes?.equals(expected) === true;
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
