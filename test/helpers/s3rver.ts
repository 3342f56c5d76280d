import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface S3rverHandle {
  endpoint: string;
  port: number;
  dataDir: string;
  bucket: string;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';

// The one place that says what s3rver 3.7.1 gets wrong, so the store contract runs those cases
// only against stores that implement S3 correctly (radosgw, and the file store where they apply).
// Measured in ../shared/reference/s3-emulator-and-git-lfs-findings.md §3.3–3.4.
export const S3RVER_KNOWN_WRONG = {
  rangeZeroZero: 'it answers bytes=0-0 with the whole object',
  rangeSuffix: 'it reads the suffix range bytes=-5 as bytes=0-5, and breaks the connection on any Range of an empty object',
  rangeOnEmptyObject: 'a Range on an empty object gets Content-Length: 1 and no body, which breaks the connection',
  wrongSecret: 'it checks no signature, so any secret is accepted (only an unknown access key id is refused)',
  interruptedPut: 'it keeps the part of a PUT body that arrived before the connection broke, under the final key',
  multipartAbort: 'it answers AbortMultipartUpload with 405',
  streamedChunkedPut: 'it answers an aws-chunked streamed PUT with 200 and stores the chunk framing as the data',
  multipartEtag: 'a multipart object gets a plain MD5 ETag, without the "-<parts>" of S3',
} as const;
const require = createRequire(import.meta.url);

// A child process, not in-process: stop() really takes the server away (as a dead remote would),
// and s3rver's old dependencies stay out of the test process.
export async function startS3rver(options: { bucket?: string } = {}): Promise<S3rverHandle> {
  const bucket = options.bucket ?? 'lfs-test';
  const dataDir = await mkdtemp(join(tmpdir(), 'lfs-lazy-s3rver-'));
  const port = await freePort();
  const script = join(require.resolve('s3rver/package.json'), '..', 'bin', 's3rver.js');
  // --openssl-legacy-provider: s3rver encrypts list continuation tokens with DES (findings §3.1).
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', script, '-d', dataDir, '-a', HOST, '-p', String(port), '-s', '--configure-bucket', bucket],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Never leave an orphaned server behind if the test process dies without calling stop().
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    // s3rver creates the configured buckets before it listens, so an open port means ready.
    await waitForPort(port, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint: `http://${HOST}:${port}`, port, dataDir, bucket, stop };
}

// What a test process (or a spawned agent) needs to reach s3rver through the default credential chain.
export function testS3Env(endpoint: string): Record<string, string> {
  if (!endpoint.startsWith(`http://${HOST}:`)) throw new Error(`test endpoints must be on ${HOST}, got ${endpoint}`);
  return {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, HOST, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`s3rver exited with ${child.exitCode}: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, HOST);
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`s3rver did not listen on ${HOST}:${port} within 15 s: ${stderr()}`);
}
