// Real processes for the crash and concurrency tests: start a command without waiting for it,
// find the process git started under it (the agent, the filter) through /proc, and kill -9 it at a
// chosen moment. Every wait is bounded.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunResult } from './sandbox.js';

// The pid of a process that has exited (and been reaped).
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await once(child, 'exit');
  if (child.pid === undefined) throw new Error('could not start a process');
  return child.pid;
}

export interface Started {
  child: ChildProcess;
  pid: number;
  // Settles when the process has exited and its output is read; never rejects.
  done: Promise<RunResult & { signal: NodeJS.Signals | null }>;
}

// Starts `command` and returns at once. `group`: in a process group of its own, so that
// killGroup() takes its children (git update-index…) along, as a closed terminal would.
export function start(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; group?: boolean; timeoutMs?: number },
): Started {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'], detached: options.group === true });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (d: Buffer) => out.push(d));
  child.stderr?.on('data', (d: Buffer) => err.push(d));
  const timer = setTimeout(() => {
    if (options.group) killGroup(child.pid!);
    else child.kill('SIGKILL');
  }, options.timeoutMs ?? 120_000);
  const done = new Promise<RunResult & { signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (e) => {
      clearTimeout(timer);
      resolve({ stdout: '', stderr: String(e), code: -1, signal: null });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? 128, signal });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return { child, pid: child.pid, done };
}

export function kill9(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

export function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid …; comm may contain spaces and parentheses.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

export function cmdlineOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
  } catch {
    return [];
  }
}

// Every live process below `root`, found through /proc.
export function descendantsOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue;
    const ppid = parentOf(Number(name));
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

// Polls `probe` until it returns something other than undefined/false; throws after `timeoutMs`.
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 5): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

// The lfs-lazy process below `root` whose command line has `subcommand` (agent, filter-process).
export function findLfsLazy(root: number, subcommand: string): Promise<number> {
  return waitFor(`an lfs-lazy ${subcommand} process below ${root}`, () =>
    descendantsOf(root).find((pid) => {
      const argv = cmdlineOf(pid);
      // The agent's own entry point, as node runs it (not the `sh -c` that git-lfs starts it with).
      if (subcommand === 'agent' && argv[0] === process.execPath && argv[1]?.endsWith('agent-main.cjs')) return true;
      return argv.some((a) => a.endsWith('lfs-lazy.cjs') || a.endsWith('main.js')) && argv.includes(subcommand);
    }),
  );
}

// kill -9 of `pid` (with `group`, of its whole process group) at the first moment `ready` holds.
// The process is stopped (SIGSTOP) while `ready` is checked and let run for `stepMs` in between,
// so a fast process cannot finish the very thing the test means to interrupt between two checks.
// Resolves false when the process ended before that moment.
export async function killWhen(
  pid: number,
  what: string,
  ready: () => boolean,
  options: { timeoutMs?: number; stepMs?: number; group?: boolean } = {},
): Promise<boolean> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  try {
    for (;;) {
      process.kill(pid, 'SIGSTOP');
      if (ready()) {
        if (options.group) killGroup(pid);
        else process.kill(pid, 'SIGKILL');
        return true;
      }
      process.kill(pid, 'SIGCONT');
      if (Date.now() > deadline) throw new Error(`timed out after ${options.timeoutMs ?? 30_000} ms waiting for ${what}`);
      await sleep(options.stepMs ?? 2);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}
