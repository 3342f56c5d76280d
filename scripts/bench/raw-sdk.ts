// The "raw" baselines: the plain AWS SDK against the same endpoint, no lfs-lazy code in the path.
// The best this endpoint can do with the same concurrency, for the ratios in docs/benchmarks.md.
import { createWriteStream, createReadStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import pLimit from 'p-limit';

export function rawClient(endpoint: string): S3Client {
  // The SDK's Node 20 notice (stderr) is noise in the bench output.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: { httpAgent: new Agent({ keepAlive: true, maxSockets: 64 }) },
  });
}

export async function rawGetMany(client: S3Client, bucket: string, keys: string[], dir: string, concurrency: number): Promise<void> {
  const limit = pLimit(concurrency);
  await Promise.all(
    keys.map((key, i) =>
      limit(async () => {
        const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        await pipeline(res.Body as Readable, createWriteStream(join(dir, `raw-${i}`)));
      }),
    ),
  );
}

// The least hydrate has to do for one object, in plain SDK code: the same GET, hashed (every object
// is verified before use) and written to two files (the local store and the working tree), in
// 1 MiB gathered writes as hydrate does. What 4c's ratio can reach with that method on this machine.
export async function rawGetVerifiedToTwoFiles(client: S3Client, bucket: string, key: string, storeFile: string, worktreeFile: string): Promise<string> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const files = await Promise.all([open(storeFile, 'wx'), open(worktreeFile, 'wx')]);
  const hash = createHash('sha256');
  let batch: Buffer[] = [];
  let batched = 0;
  const flush = async (): Promise<void> => {
    const chunks = batch;
    batch = [];
    batched = 0;
    await Promise.all(files.map((f) => f.writev(chunks)));
  };
  for await (const chunk of res.Body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    batch.push(chunk);
    batched += chunk.length;
    if (batched >= 1024 * 1024) await flush();
  }
  await flush();
  await Promise.all(files.map((f) => f.close()));
  return hash.digest('hex');
}

// The same floor for many objects (row 3c), 8 at a time like hydrate: each object into the store's
// layout (dir/store/ab/cd/<oid>, its shard directories made as needed, as git-lfs's store has them)
// and into a working-tree file, and checked against its oid.
export async function rawGetManyVerified(client: S3Client, bucket: string, keys: string[], oids: string[], dir: string, concurrency: number): Promise<void> {
  const limit = pLimit(concurrency);
  await mkdir(join(dir, 'worktree'), { recursive: true });
  await Promise.all(
    keys.map((key, i) =>
      limit(async () => {
        const oid = oids[i]!;
        const shard = join(dir, 'store', oid.slice(0, 2), oid.slice(2, 4));
        await mkdir(shard, { recursive: true });
        const digest = await rawGetVerifiedToTwoFiles(client, bucket, key, join(shard, oid), join(dir, 'worktree', `file-${i}`));
        if (digest !== oid) throw new Error(`the verified raw GET of ${key} got other bytes`);
      }),
    ),
  );
}

export async function rawPut(client: S3Client, bucket: string, key: string, file: string): Promise<void> {
  const { size } = await stat(file);
  if (size <= 64 * 1024 * 1024) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
    return;
  }
  await new Upload({ client, params: { Bucket: bucket, Key: key, Body: createReadStream(file) }, partSize: 16 * 1024 * 1024, queueSize: 4 }).done();
}
