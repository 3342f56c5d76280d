import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, copyFile, lstat, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

// Working-tree files are replaced the way git itself does it: the new content goes into a temp file
// in the same directory (same filesystem, so rename is atomic), and only a file still in the state
// we inspected is renamed over. Readers see the old bytes or the new ones, never a mix.

export type Content = { bytes: Buffer } | { copyOf: string };

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
export async function snapshot(path: string): Promise<FileSnapshot | undefined> {
  let st;
  try {
    st = await lstat(path, { bigint: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  return { regular: st.isFile(), size: Number(st.size), mtimeNs: st.mtimeNs, ctimeNs: st.ctimeNs, ino: st.ino, mode: Number(st.mode) & 0o7777 };
}

export function sameSnapshot(a: FileSnapshot | undefined, b: FileSnapshot | undefined): boolean {
  if (a === undefined || b === undefined || !a.regular || !b.regular) return false;
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs && a.ino === b.ino;
}

// True when the file holds exactly `expected`; reads at most expected.length + 1 bytes, so a
// multi-gigabyte hydrated file costs one stat.
export async function hasExactBytes(path: string, expected: Buffer): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return false;
  }
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.size !== expected.length) return false;
    const buffer = Buffer.alloc(expected.length + 1);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    return read === expected.length && buffer.subarray(0, read).equals(expected);
  } finally {
    await handle.close();
  }
}

// The permission bits for a file of this git mode, when there is no current file to keep them from.
export function modeForGit(gitMode: string): number {
  return gitMode === '100755' ? 0o755 : 0o644;
}

// Replaces `target` with `content`, keeping `mode`. `stillExpected` runs right before the rename:
// when it says no (someone edited the file meanwhile), the temp file is dropped and false returned.
export async function replaceFile(
  target: string,
  content: Content,
  mode: number,
  stillExpected: () => Promise<boolean>,
): Promise<boolean> {
  // Hidden, named after the file (cut short: a name is at most 255 bytes), unique per process.
  const temp = join(dirname(target), `.${basename(target).slice(0, 40)}.lfs-lazy-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
  try {
    if ('bytes' in content) {
      await writeFile(temp, content.bytes, { flag: 'wx', mode: 0o600 });
    } else {
      // A reflink where the filesystem can (btrfs, xfs, APFS), a plain copy elsewhere.
      await copyFile(content.copyOf, temp, constants.COPYFILE_EXCL | constants.COPYFILE_FICLONE);
    }
    await chmod(temp, mode);
    if (!(await stillExpected())) {
      await rm(temp, { force: true });
      return false;
    }
    await rename(temp, target);
    return true;
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
