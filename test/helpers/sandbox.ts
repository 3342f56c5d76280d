import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedGitEnv } from '../../scripts/lib/isolated-env.js';

export const CLI_PATH = fileURLToPath(new URL('../../src/cli/lfs-lazy.cjs', import.meta.url));
// What git-lfs runs for the transfer agent (lfs.customtransfer.lfs-lazy.args).
export const AGENT_PATH = fileURLToPath(new URL('../../src/cli/agent-main.cjs', import.meta.url));

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  // Exit codes other than 0 that the caller expects; anything else rejects.
  allowFail?: boolean;
  timeoutMs?: number;
}

export interface Sandbox {
  root: string;
  home: string;
  env: NodeJS.ProcessEnv;
  run(command: string, args: string[], options?: RunOptions): Promise<RunResult>;
  git(args: string[], options?: RunOptions): Promise<RunResult>;
  cli(args: string[], options?: RunOptions): Promise<RunResult>;
  cleanup(): Promise<void>;
}

function run(command: string, args: string[], options: RunOptions & { env: NodeJS.ProcessEnv }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code: code ?? (signal ? 128 : 1) };
      if (result.code !== 0 && !options.allowFail) {
        reject(new Error(`${command} ${args.join(' ')} exited ${result.code}${signal ? ` (${signal})` : ''}\n${result.stderr}${result.stdout}`));
      } else {
        resolve(result);
      }
    });
    // A command that exits without reading its input makes this write fail with EPIPE: harmless.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

// An isolated HOME with no system git config: Debian's git-lfs package writes filter.lfs into
// /etc/gitconfig, and tests must see only what lfs-lazy and the test itself configure.
export async function makeSandbox(extraEnv: NodeJS.ProcessEnv = {}): Promise<Sandbox> {
  const root = await mkdtemp(join(tmpdir(), 'lfs-lazy-test-'));
  const home = join(root, 'home');
  await mkdir(home);
  const env = isolatedGitEnv(home, {
    GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
    GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
    ...extraEnv,
  });
  const box: Sandbox = {
    root,
    home,
    env,
    // In the sandbox unless told otherwise: a command run in the test process's cwd (the lfs-lazy
    // checkout) would install git-lfs's hooks into the checkout's own .git.
    run: (command, args, options = {}) => run(command, args, { ...options, cwd: options.cwd ?? root, env: { ...env, ...options.env } }),
    git: (args, options = {}) => box.run('git', args, options),
    cli: (args, options = {}) => box.run(process.execPath, [CLI_PATH, ...args], options),
    cleanup: () => rm(root, { recursive: true, force: true }),
  };
  await box.git(['config', '--global', 'user.name', 'lfs-lazy test']);
  await box.git(['config', '--global', 'user.email', 'test@lfs-lazy.invalid']);
  await box.git(['config', '--global', 'init.defaultBranch', 'main']);
  // No detached `git gc --auto` repacking behind a test's back (or after its clean-up began).
  await box.git(['config', '--global', 'gc.auto', '0']);
  return box;
}
