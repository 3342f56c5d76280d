// A running `lfs-lazy serve` for the end-to-end tests: started as the user would (the CLI, in a
// clone), its one stdout line read as a script would, and a raw HTTP client that sends the request
// target exactly as given (no normalisation of `..` or escapes on the way).
import { spawn, type ChildProcess } from 'node:child_process';
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { CLI_PATH } from '../helpers/sandbox.js';

export interface Served {
  child: ChildProcess;
  // The line printed on stdout.
  line: string;
  // http://127.0.0.1:<port> (TCP) — undefined with --socket.
  base: string | undefined;
  socketPath: string | undefined;
  token: string;
  // Everything the server wrote on stdout and stderr so far.
  stdout(): string;
  stderr(): string;
  // Settles with the exit code (or the signal's name) once the process is gone.
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export async function startServe(cwd: string, env: NodeJS.ProcessEnv, args: string[] = []): Promise<Served> {
  const child = spawn(process.execPath, [CLI_PATH, 'serve', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), 240_000);
  void exited.then(() => clearTimeout(killer));
  // The first line, or the process's end (a failure to start).
  const line = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        child.stdout.off('data', onData);
        resolve(out.slice(0, nl));
      }
    };
    child.stdout.on('data', onData);
    void exited.then(({ code }) => reject(new Error(`lfs-lazy serve exited ${code} before printing its URL: ${err}`)));
  });
  const unix = line.startsWith('http+unix://');
  const token = new URL(line.replace(/^http\+unix:\/\/[^/]*/, 'http://unix')).searchParams.get('token') ?? '';
  return {
    child,
    line,
    base: unix ? undefined : new URL(line).origin,
    socketPath: unix ? decodeURIComponent(line.slice('http+unix://'.length, line.indexOf('/', 'http+unix://'.length))) : undefined,
    token,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  reusedSocket: boolean;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  // false: no token at all; a string: that token in the query; default: the server's, as a Bearer header.
  token?: string | false;
  agent?: Agent;
}

// `target` goes on the request line exactly as given.
export function get(served: Pick<Served, 'base' | 'socketPath' | 'token'>, target: string, options: RequestOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  let path = target;
  if (options.token === undefined) headers['Authorization'] = `Bearer ${served.token}`;
  else if (options.token !== false) path += `${target.includes('?') ? '&' : '?'}token=${options.token}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        ...(served.socketPath ? { socketPath: served.socketPath } : { host: '127.0.0.1', port: Number(new URL(served.base!).port) }),
        method: options.method ?? 'GET',
        path,
        headers,
        ...(options.agent ? { agent: options.agent } : { agent: false }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('error', reject);
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), reusedSocket: req.reusedSocket }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}
