// Temp files that say who is writing them, so that the leftovers of a killed process (kill -9,
// power cut of a laptop lid, OOM killer) can be removed without ever touching a file that another
// process is still writing.
//
// Every temp file or directory lfs-lazy creates carries an owner token in its name:
//
//   lfs-lazy-<machine>-<pid>-<random>
//
// <machine> is 8 hex digits naming the pid space the pid belongs to: a hash of the host name, the
// Linux pid namespace and the boot id. A sweep removes a temp file when its owner is certainly
// gone: the same pid space, and no live process has that pid. Pid reuse only makes a sweep keep a
// file longer. A file from another pid space (another host sharing an NFS lfs.storage, another
// container, a previous boot) cannot be checked that way; it goes only once it is older than
// STALE_FOREIGN_MS since its last write, git-lfs's own rule for its tmp directory. Names without a
// token are never touched.
import { readFileSync, readlinkSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

// git-lfs removes files in its tmp directory once they are an hour old; so do we, for owners we
// cannot check.
export const STALE_FOREIGN_MS = 60 * 60 * 1000;

const TOKEN = /lfs-lazy-([0-9a-f]{8})-([1-9][0-9]*)-[0-9a-f]{8}/;

let tag: string | undefined;

// This process's pid space, computed once (a few small reads, only when a temp file is named).
// FNV-1a, not SHA-256: a name only has to differ between pid spaces, and node:crypto would cost
// every command that takes a lock its ≈ 20 internal modules.
export function machineTag(): string {
  if (tag !== undefined) return tag;
  const parts = [hostname()];
  for (const read of [() => readlinkSync('/proc/self/ns/pid'), () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()]) {
    try {
      parts.push(read());
    } catch {
      parts.push('');
    }
  }
  tag = hex8(fnv1a(parts.join('\0')));
  return tag;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

// The last part of a token: a random start for this process, then one more for each name. Names
// only have to be unique (every temp file is created with O_EXCL), and a process that reuses a
// dead one's pid starts elsewhere. Counting costs nothing per file; randomBytes cost a call into
// node:crypto each (hydrate names two files per object).
let serial: number | undefined;

// A fresh owner token for one temp file or directory of this process.
export function ownerToken(): string {
  serial = serial === undefined ? Math.floor(Math.random() * 0x1_0000_0000) : serial + 1;
  return `lfs-lazy-${machineTag()}-${process.pid}-${hex8(serial)}`;
}

export interface TempOwner {
  tag: string;
  pid: number;
}

export function ownerOf(name: string): TempOwner | undefined {
  const match = TOKEN.exec(name);
  if (match === null) return undefined;
  return { tag: match[1]!, pid: Number(match[2]) };
}

// Whether a process with this pid runs on this machine. A zombie (killed, not yet reaped by its
// parent — common when the parent is a container's pid 1 that reaps nothing) is not running.
export function isProcessAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists, as another user's process.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): kill(pid, 0) is all there is
  }
}

// True when the temp entry `name`, last modified at `mtimeMs`, belongs to nobody any more.
export function isStaleTemp(name: string, mtimeMs: number, now = Date.now(), maxForeignAgeMs = STALE_FOREIGN_MS): boolean {
  const owner = ownerOf(name);
  if (owner === undefined) return false;
  if (owner.tag === machineTag()) return !isProcessAlive(owner.pid);
  return now - mtimeMs > maxForeignAgeMs;
}

export interface SweepOptions {
  // Only entries whose name passes this as well (e.g. the hidden `.x.lfs-lazy-….tmp` files of a
  // working-tree directory); by default every entry with an owner token.
  match?: (name: string) => boolean;
  maxForeignAgeMs?: number;
}

// Removes the stale temp entries directly in `dir` (a stale directory goes with its content).
// Returns the names removed. Never throws: a sweep is housekeeping, not the job.
export async function sweepStaleTemps(dir: string, options: SweepOptions = {}): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  const now = Date.now();
  for (const name of names) {
    if (ownerOf(name) === undefined || (options.match && !options.match(name))) continue;
    try {
      const st = await lstat(join(dir, name));
      if (!isStaleTemp(name, st.mtimeMs, now, options.maxForeignAgeMs)) continue;
      await rm(join(dir, name), { recursive: st.isDirectory(), force: true });
      removed.push(name);
    } catch {
      // gone already (another sweep), or not ours to remove after all
    }
  }
  return removed;
}

const swept = new Map<string, Promise<string[]>>();

// sweepStaleTemps once per directory per process: the places temp files are created call this
// before their first one, so a rerun after a crash cleans up after the crashed run.
export function sweepStaleTempsOnce(dir: string, options: SweepOptions = {}): Promise<string[]> {
  let done = swept.get(dir);
  if (done === undefined) {
    done = sweepStaleTemps(dir, options);
    swept.set(dir, done);
  }
  return done;
}
