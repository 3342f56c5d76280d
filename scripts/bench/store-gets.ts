// The GETs of lfs-lazy's own S3 client (src/store/s3-store.ts: S3 reads signed by the SDK's signer,
// sent without its middleware), nothing verified and one write each: the least any fetch through
// lfs-lazy's store can take on this endpoint, for row 3a's bound. The raw SDK rows (raw-sdk.ts)
// pay ≈ 2 ms of CPU a request for the SDK's middleware, which lfs-lazy's reads no longer do.
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { S3Store } from '../../src/store/s3-store.js';
import { S3RVER_CREDENTIALS } from '../lib/isolated-env.js';

export async function storeGetMany(endpoint: string, bucket: string, prefix: string, oids: string[], dir: string, concurrency: number): Promise<void> {
  // The store takes its credentials from the default chain, like every lfs-lazy process.
  Object.assign(process.env, S3RVER_CREDENTIALS);
  const store = new S3Store({ bucket, prefix, endpoint, forcePathStyle: true, region: 'us-east-1', checksum: 'when_required' });
  const limit = pLimit(concurrency);
  try {
    await Promise.all(oids.map((oid, i) => limit(async () => pipeline(await store.get(oid), createWriteStream(join(dir, `store-${i}`))))));
  } finally {
    store.close();
  }
}
