// Runs one command for the differential test. Every command has a time limit: a hang (a filter
// that never answers git, say) kills the command's whole process group — git, its filters and
// agents — and fails the step with a message, instead of blocking the test.
import { spawn } from 'node:child_process';

export interface ExecResult {
  code: number;
  stdout: Buffer;
  stderr: string;
  timedOut: boolean;
}

export const COMMAND_TIMEOUT_MS = 60_000;

export function exec(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number }): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    // detached: the child leads a process group of its own, which a time-out kills as a whole.
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs ?? COMMAND_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

// A command that must succeed (set-up, state queries): anything else is an error naming it.
export async function execOk(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: string | Buffer; timeoutMs?: number }): Promise<Buffer> {
  const result = await exec(command, args, options);
  if (result.timedOut) throw new Error(`${command} ${args.join(' ')} timed out after ${options.timeoutMs ?? COMMAND_TIMEOUT_MS} ms (in ${options.cwd})`);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code} (in ${options.cwd})\n${result.stderr}${result.stdout.toString()}`);
  return result.stdout;
}
