// Shared pieces of `npm run bench`: an isolated git environment, timing, medians, peak memory.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedGitEnv, S3RVER_CREDENTIALS } from '../lib/isolated-env.js';

export const CLI = fileURLToPath(new URL('../../src/cli/lfs-lazy.cjs', import.meta.url));
// The agent's own entry point, as install configures it for git-lfs.
export const AGENT = fileURLToPath(new URL('../../src/cli/agent-main.cjs', import.meta.url));

// git-lfs's own filter, for the baselines: the bench's global config has lfs-lazy's.
export const GIT_LFS_FILTER = ['-c', 'filter.lfs.process=git-lfs filter-process', '-c', 'filter.lfs.smudge=git-lfs smudge -- %f', '-c', 'filter.lfs.clean=git-lfs clean -- %f'];

export interface Run {
  ms: number;
  stdout: string;
  stderr: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function exec(cmd: string, args: string[], options: { cwd?: string; env: NodeJS.ProcessEnv; input?: string }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code === 0) resolve({ ms, stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stderr.slice(-2000)}`));
    });
  });
}

export interface BenchEnv {
  root: string;
  env: NodeJS.ProcessEnv;
  rssFile: string;
  git(args: string[], cwd?: string, extraEnv?: NodeJS.ProcessEnv, input?: string): Promise<Run>;
  cli(args: string[], cwd?: string, extraEnv?: NodeJS.ProcessEnv): Promise<Run>;
  // Peak RSS (MiB) of every lfs-lazy process since the last call, by command.
  takePeakRss(): Promise<Record<string, number>>;
}

export async function makeBenchEnv(root: string, endpoint: string): Promise<BenchEnv> {
  const home = join(root, 'home');
  await mkdir(home, { recursive: true });
  const rssFile = join(root, 'rss.jsonl');
  const env = isolatedGitEnv(home, { ...S3RVER_CREDENTIALS, LFS_LAZY_BENCH_RSS_FILE: rssFile });
  const bench: BenchEnv = {
    root,
    env,
    rssFile,
    git: (args, cwd = root, extra = {}, input) => exec('git', args, { cwd, env: { ...env, ...extra }, ...(input !== undefined && { input }) }),
    cli: (args, cwd = root, extra = {}) => exec(process.execPath, [CLI, ...args], { cwd, env: { ...env, ...extra } }),
    async takePeakRss() {
      let text = '';
      try {
        text = await readFile(rssFile, 'utf8');
      } catch {
        return {};
      }
      await rm(rssFile, { force: true });
      const peaks: Record<string, number> = {};
      for (const line of text.trim().split('\n').filter(Boolean)) {
        const { command, maxRssKiB } = JSON.parse(line) as { command: string; maxRssKiB: number };
        peaks[command] = Math.max(peaks[command] ?? 0, maxRssKiB / 1024);
      }
      return peaks;
    },
  };
  await bench.git(['config', '--global', 'user.name', 'bench']);
  await bench.git(['config', '--global', 'user.email', 'bench@lfs-lazy.invalid']);
  await bench.git(['config', '--global', 'init.defaultBranch', 'main']);
  // The 5000-file data set can make `git commit` start a detached `git gc --auto`, which then
  // repacks while git-lfs's pre-push scans the objects ("missing object"), and would run inside
  // the timings: gc is not what is measured.
  await bench.git(['config', '--global', 'gc.auto', '0']);
  return bench;
}

export interface Contender {
  // Untimed set-up before each run (a fresh clone, an empty directory).
  prepare?: () => Promise<void>;
  // One timed run: its duration in ms.
  run: () => Promise<number>;
}

// n rounds, each running every contender once, in turn, and the median duration of each. A burst
// of load on this shared machine then falls on one round of every contender instead of on all the
// runs of one, so the ratios between them hold.
export async function interleaved<K extends string>(n: number, contenders: Record<K, Contender>): Promise<Record<K, number>> {
  const entries = Object.entries(contenders) as Array<[K, Contender]>;
  const runs = new Map<K, number[]>(entries.map(([name]) => [name, []]));
  for (let round = 0; round < n; round++) {
    for (const [name, contender] of entries) {
      await contender.prepare?.();
      runs.get(name)!.push(await contender.run());
    }
  }
  return Object.fromEntries(entries.map(([name]) => [name, median(runs.get(name)!)])) as Record<K, number>;
}

// CPU time every process of the machine has spent busy so far, in ms of one core (/proc/stat,
// USER_HZ 100): the difference over a run says how much of the 2 cores it took, so that a ratio
// the CPU cannot allow shows as such.
export function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = fields[3]! + (fields[4] ?? 0);
  return (fields.reduce((sum, n) => sum + n, 0) - idle) * 10;
}

export async function timed(task: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await task();
  return Number(process.hrtime.bigint() - start) / 1e6;
}
