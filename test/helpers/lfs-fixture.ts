// A pushed repository with many LFS files in s3rver, and a way to make lazy clones of it: the
// common set-up of the end-to-end tests. Real git, real git-lfs, lfs-lazy installed in an
// isolated HOME, s3rver as a child process on 127.0.0.1.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { makeSandbox, type Sandbox } from './sandbox.js';
import { startS3rver, testS3Env, type S3rverHandle } from './s3rver.js';

// The S3 server a fixture pushes to, when not its own s3rver (e.g. the shared radosgw): the
// fixture does not stop it.
export interface StoreTarget {
  endpoint: string;
  bucket: string;
  // Credentials and SDK settings for the sandbox (testS3Env, radosgwEnv).
  env: Record<string, string>;
}

export interface FixtureFile {
  path: string;
  content: Buffer;
  oid: string;
}

export interface LfsFixture {
  box: Sandbox;
  // The fixture's own s3rver (the stub of an external target has dataDir '' and a no-op stop).
  server: S3rverHandle;
  remote: string;
  origin: string;
  files: FixtureFile[];
  prefix: string;
  // The bucket, through plain S3 calls (never through a server's files): to inspect, remove or
  // corrupt an object.
  bucket: BucketView;
  // A fresh `git clone` of the remote; with lfs-lazy installed, a lazy one.
  clone(name: string, options?: { env?: NodeJS.ProcessEnv }): Promise<string>;
  cleanup(): Promise<void>;
}

export interface BucketView {
  // The stored bytes, or undefined when the key does not exist.
  get(oid: string): Promise<Buffer | undefined>;
  put(oid: string, bytes: Buffer): Promise<void>;
  // LastModified and ETag of the stored object: changes when it is written again.
  version(oid: string): Promise<string>;
  remove(oid: string): Promise<void>;
  // Removes the object and gives back a function that puts it back as it was.
  takeAway(oid: string): Promise<() => Promise<void>>;
  close(): void;
}

// A plain SDK client on the same credentials the sandbox gives lfs-lazy.
export function bucketView(endpoint: string, bucket: string, prefix: string, env: Record<string, string | undefined>): BucketView {
  const client = new S3Client({
    endpoint, forcePathStyle: true, region: 'us-east-1', requestChecksumCalculation: 'WHEN_REQUIRED',
    credentials: { accessKeyId: env['AWS_ACCESS_KEY_ID'] ?? '', secretAccessKey: env['AWS_SECRET_ACCESS_KEY'] ?? '' },
  });
  const Key = (oid: string): string => `${prefix ? `${prefix}/` : ''}${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
  const view: BucketView = {
    async get(oid) {
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: Key(oid) }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchKey') return undefined;
        throw err;
      }
    },
    async put(oid, bytes) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: Key(oid), Body: bytes }));
    },
    async version(oid) {
      const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: Key(oid) }));
      return `${head.LastModified?.toISOString()} ${head.ETag}`;
    },
    async remove(oid) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: Key(oid) }));
    },
    async takeAway(oid) {
      const saved = await view.get(oid);
      if (saved === undefined) throw new Error(`${Key(oid)} is not in the bucket to take away`);
      await view.remove(oid);
      return () => view.put(oid, saved);
    },
    close: () => client.destroy(),
  };
  return view;
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

// Deterministic, distinct content per index.
export function fileContent(index: number, size: number): Buffer {
  const seed = Buffer.from(`file ${index} `);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += seed.length) seed.copy(out, i);
  return out;
}

export async function makeLfsFixture(options: {
  files: Array<{ path: string; content: Buffer }>;
  patterns?: string[];
  // Push to this server instead of a fresh s3rver; `prefix` keeps runs on a shared one apart.
  store?: StoreTarget;
  prefix?: string;
}): Promise<LfsFixture> {
  const external = options.store;
  const server: S3rverHandle = external
    ? { endpoint: external.endpoint, port: Number(new URL(external.endpoint).port), dataDir: '', bucket: external.bucket, stop: async () => {} }
    : await startS3rver();
  // A failed set-up must not leave s3rver running: the test's after() never sees this fixture.
  let box: Sandbox | undefined;
  try {
    box = await makeSandbox(external ? external.env : testS3Env(server.endpoint));
    return await setUp(box, server, options);
  } catch (err) {
    await box?.cleanup();
    await server.stop();
    throw err;
  }
}

async function setUp(box: Sandbox, server: S3rverHandle, options: { files: Array<{ path: string; content: Buffer }>; patterns?: string[]; prefix?: string }): Promise<LfsFixture> {
  const prefix = options.prefix ?? 'repo';
  const remote = join(box.root, 'remote.git');
  const origin = join(box.root, 'origin');
  await box.git(['init', '-q', '--bare', remote]);
  await box.git(['init', '-q', origin]);
  await box.cli(['install']);
  await box.cli(['install', '--url', `s3://${server.bucket}/${prefix}`, '--endpoint', server.endpoint, '--region', 'us-east-1'], { cwd: origin });
  for (const pattern of options.patterns ?? ['*.bin', '*.json']) await box.git(['lfs', 'track', pattern], { cwd: origin });
  const files: FixtureFile[] = [];
  for (const file of options.files) {
    await mkdir(dirname(join(origin, file.path)), { recursive: true });
    await writeFile(join(origin, file.path), file.content);
    files.push({ ...file, oid: sha256(file.content) });
  }
  await box.git(['add', '.'], { cwd: origin });
  await box.git(['commit', '-q', '-m', 'data'], { cwd: origin });
  await box.git(['remote', 'add', 'origin', remote], { cwd: origin });
  await box.git(['push', '-q', 'origin', 'main'], { cwd: origin });
  const bucket = bucketView(server.endpoint, server.bucket, prefix, box.env as Record<string, string | undefined>);
  return {
    box,
    server,
    remote,
    origin,
    files,
    prefix,
    bucket,
    async clone(name, cloneOptions = {}) {
      const dir = join(box.root, name);
      await box.git(['clone', '-q', remote, dir], cloneOptions.env ? { env: cloneOptions.env } : {});
      return dir;
    },
    async cleanup() {
      bucket.close();
      await box.cleanup();
      await server.stop();
    },
  };
}
