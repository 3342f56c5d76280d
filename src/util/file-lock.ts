// A lock file for short read-modify-write sections shared by processes (two `hydrate` runs, a
// `dehydrate`, the library API): created with O_EXCL, it holds the owner token of its holder
// (temp-files.ts). A lock whose holder is certainly gone — killed while holding it — is broken by
// the next process that wants it; a live holder is waited for, up to a time-out.
import { link, mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LfsLazyError } from '../errors/index.js';
import { waitWithBackoff, type Backoff, type Clock } from './retry.js';
import { isStaleTemp, ownerOf, ownerToken } from './temp-files.js';

export interface FileLockOptions {
  // How long to wait for a live holder; default 30 s (the sections this guards take milliseconds).
  timeoutMs?: number;
  // A holder in another pid space (another host on a shared disk) cannot be checked: its lock is
  // taken as abandoned once it is this old. Default 60 s.
  staleForeignMs?: number;
  // The clock of the waits (tests: to see the moment a waiter pauses for a live holder).
  clock?: Clock;
}

// A lock file without a token is one whose holder died between creating and writing it.
const EMPTY_LOCK_GRACE_MS = 5_000;
// Pauses while a live holder has it: the sections are short, so the first polls come quickly.
const LOCK_POLL: Backoff = { baseDelayMs: 10, maxDelayMs: 400 };

// Runs `section` while holding `lockPath`; the lock is released however the section ends.
export async function withFileLock<T>(lockPath: string, section: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const token = await acquire(lockPath, options);
  try {
    return await section();
  } finally {
    await release(lockPath, token);
  }
}

async function acquire(lockPath: string, options: FileLockOptions): Promise<string> {
  const token = ownerToken();
  const timeoutMs = options.timeoutMs ?? 30_000;
  await mkdir(dirname(lockPath), { recursive: true });
  let holder: Holder | undefined;
  const taken = await waitWithBackoff(
    async () => {
      for (;;) {
        if (await tryCreate(lockPath, token)) return token;
        holder = await readHolder(lockPath);
        if (holder === undefined) continue; // released meanwhile
        if (!isAbandoned(holder, options)) return undefined; // a live holder: wait for it
        await breakLock(lockPath, holder.content);
      }
    },
    { timeoutMs, backoff: LOCK_POLL, ...(options.clock && { clock: options.clock }) },
  );
  if (taken !== undefined) return taken;
  const owner = holder && ownerOf(holder.content);
  const who = owner ? `process ${owner.pid}` : 'another process';
  throw new LfsLazyError(`${lockPath} is held by ${who}; waited ${timeoutMs} ms. If no lfs-lazy command is running, delete that file`);
}

// Creates the lock file with our token in it; false when it exists already.
async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(lockPath, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await handle.writeFile(`${token}\n`);
    await handle.close();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await rm(lockPath, { force: true });
    throw err;
  }
  return true;
}

interface Holder {
  content: string;
  mtimeMs: number;
}

async function readHolder(lockPath: string): Promise<Holder | undefined> {
  try {
    const [content, st] = await Promise.all([readFile(lockPath, 'utf8'), stat(lockPath)]);
    return { content: content.trim(), mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function isAbandoned(holder: Holder, options: FileLockOptions): boolean {
  if (ownerOf(holder.content) === undefined) return Date.now() - holder.mtimeMs > EMPTY_LOCK_GRACE_MS;
  return isStaleTemp(holder.content, holder.mtimeMs, Date.now(), options.staleForeignMs ?? 60_000);
}

// Two processes may find the same abandoned lock. Each moves it aside under a name of its own
// and checks that what it moved is the abandoned lock it judged: if another process had already
// broken it and taken a fresh lock, that fresh lock is put back.
async function breakLock(lockPath: string, staleContent: string): Promise<void> {
  const aside = `${lockPath}.broken-${ownerToken()}`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const moved = (await readFile(aside, 'utf8').catch(() => '')).trim();
  if (moved !== staleContent) await link(aside, lockPath).catch(() => undefined);
  await rm(aside, { force: true });
}

async function release(lockPath: string, token: string): Promise<void> {
  const holder = await readHolder(lockPath).catch(() => undefined);
  // Someone broke it as abandoned (a very slow holder on another host): theirs now.
  if (holder?.content === token) await rm(lockPath, { force: true });
}
