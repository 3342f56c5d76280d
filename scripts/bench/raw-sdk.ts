// The "raw" baselines: the plain AWS SDK against the same endpoint, no lfs-lazy code in the path.
// The best this endpoint can do with the same concurrency, for the ratios in docs/benchmarks.md.
import { createWriteStream, createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
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

export async function rawPut(client: S3Client, bucket: string, key: string, file: string): Promise<void> {
  const { size } = await stat(file);
  if (size <= 64 * 1024 * 1024) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: createReadStream(file), ContentLength: size }));
    return;
  }
  await new Upload({ client, params: { Bucket: bucket, Key: key, Body: createReadStream(file) }, partSize: 16 * 1024 * 1024, queueSize: 4 }).done();
}
