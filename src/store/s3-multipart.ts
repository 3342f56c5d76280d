// Large objects go up as a parallel multipart upload (lib-storage): parts sized to stay under S3's
// part-count limit, progress from the upload's own events, cancellation through the signal.
import { createReadStream } from 'node:fs';
import { AbortMultipartUploadCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { PutOptions } from './object-store.js';

const MiB = 1024 * 1024;
// S3 limits: parts are >= 5 MiB and an upload has at most 10,000 parts. 9,000 leaves headroom.
export const MIN_PART_SIZE = 5 * MiB;
const TARGET_MAX_PARTS = 9_000;

export interface MultipartTarget {
  client: S3Client;
  Bucket: string;
  Key: string;
  partSize: number;
  queueSize: number;
}

// Part size that keeps even a > 5 GiB object under the 10,000-part limit, in whole MiB.
export function multipartPartSize(size: number, configured: number): number {
  const needed = Math.ceil(Math.ceil(size / TARGET_MAX_PARTS) / MiB) * MiB;
  return Math.max(MIN_PART_SIZE, configured, needed);
}

export async function putMultipart(target: MultipartTarget, size: number, sourcePath: string, options: PutOptions): Promise<void> {
  const file = createReadStream(sourcePath, { highWaterMark: MiB });
  const upload = new Upload({
    client: target.client,
    params: { Bucket: target.Bucket, Key: target.Key, Body: file, ContentLength: size },
    partSize: multipartPartSize(size, target.partSize),
    queueSize: target.queueSize,
    // Abort the multipart upload on failure: orphaned parts cost money and are invisible.
    leavePartsOnError: false,
  });
  upload.on('httpUploadProgress', (p) => {
    if (p.loaded !== undefined) options.onProgress?.(p.loaded);
  });
  const onAbort = (): void => void upload.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    if (options.signal?.aborted) onAbort();
    await upload.done();
  } catch (err) {
    // On a cancel, done() rejects at once while lib-storage aborts the upload later, in the
    // background, once its parts in flight have ended: a process that exits meanwhile (the agent
    // on terminate) would leave the parts behind, billed and invisible. So abort it here, before
    // returning (lib-storage's own later abort then meets NoSuchUpload; s3-compat.ts keeps quiet).
    // `uploadId` is lib-storage's own field: the store contract's abort test notices if it goes.
    const uploadId = (upload as unknown as { uploadId?: string }).uploadId;
    if (options.signal?.aborted && uploadId !== undefined) {
      await target.client.send(new AbortMultipartUploadCommand({ Bucket: target.Bucket, Key: target.Key, UploadId: uploadId })).catch(() => undefined);
    }
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    file.destroy();
  }
}
