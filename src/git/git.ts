import { execFile, spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { LfsLazyError } from '../errors/index.js';
import { bytesToPath, pathToBytes } from '../util/path-bytes.js';

export interface GitOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  // Exit codes that are an answer, not a failure (git config --get exits 1 for "not set").
  okCodes?: number[];
  // A string is sent as pathToBytes gives it: a path read from git goes back as git's own bytes.
  input?: string | Buffer;
}

export interface GitResult {
  stdout: string;
  code: number;
  // What git said on stderr (for an exit code in okCodes, the caller may want the reason).
  stderr: string;
}

// Runs git and returns its stdout. A failure carries git's own stderr line, which is usually the
// clearest explanation there is ("not a git repository", "bad revision"). stdout is decoded with
// bytesToPath: a file name that is not UTF-8 keeps its bytes (util/path-bytes.ts).
export function git(args: string[], options: GitOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 256 * 1024 * 1024, encoding: 'buffer' },
      (error, stdoutBytes, stderrBytes) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        const stdout = bytesToPath(stdoutBytes);
        const stderr = stderrBytes.toString('utf8');
        if (code === 0 || options.okCodes?.includes(code)) return resolve({ stdout, code, stderr });
        const detail = stderr.trim().split('\n').pop() || String(error?.message);
        reject(new LfsLazyError(`git ${args[0]} failed: ${detail}`, { cause: error }));
      },
    );
    if (options.input !== undefined) {
      // git may exit without reading its input (a fatal error): the exit code says what happened,
      // the EPIPE must not become an uncaught exception.
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(typeof options.input === 'string' ? pathToBytes(options.input) : options.input);
    }
  });
}

// A git process whose output is too big to buffer (cat-file --batch): its stdout is read as a
// stream, at the reader's pace. `exited` rejects only when git could not be started.
export interface GitProcess {
  stdin: Writable;
  stdout: Readable;
  exited: Promise<{ code: number | null; stderr: string }>;
  stop(): void;
}

export function spawnGit(args: string[], options: { cwd?: string } = {}): GitProcess {
  const child = spawn('git', args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
  // Awaited by the caller, perhaps only after reading stdout: a failed start is not unhandled.
  exited.catch(() => undefined);
  // git may exit without reading all its input (a fatal error): the exit code says what happened.
  child.stdin.on('error', () => undefined);
  return { stdin: child.stdin, stdout: child.stdout, exited, stop: () => void child.kill() };
}

// A git command whose output is the user's (git-lfs's progress and errors under a hook): passed
// through as it comes. Resolves to its exit code.
export function gitPassThrough(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input: Buffer; stdout: Writable; stderr: Writable }): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.pipe(options.stdout, { end: false });
    child.stderr.pipe(options.stderr, { end: false });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

export async function gitStdout(args: string[], options: GitOptions = {}): Promise<string> {
  return (await git(args, options)).stdout;
}

// `git config -z --list` style output: entries separated by NUL, key and value by the first LF.
export function parseConfigList(output: string): Array<[string, string]> {
  return output
    .split('\0')
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      const nl = entry.indexOf('\n');
      return nl < 0 ? [entry, 'true'] : [entry.slice(0, nl), entry.slice(nl + 1)];
    });
}
