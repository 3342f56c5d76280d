// The ObjectStore on S3 (or an S3-compatible server). The pieces live beside it: the client
// (s3-client.ts), the GETs and HEADs sent without the SDK's middleware (s3-direct-request.ts), the
// retrying request (s3-request.ts), the resumable body (resumable-body.ts),
// the multipart upload (s3-multipart.ts), the error mapping (s3-errors.ts) and what S3-compatible
// servers need (s3-compat.ts).
import { createReadStream } from 'node:fs';
import { stat as fsStat } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../log/logger.js';
import { IntegrityError, ObjectNotFoundError, StorageError } from '../errors/index.js';
import { assertOid } from '../util/oid.js';
import { defaultRetryPolicy, type RetryPolicy } from '../util/retry.js';
import { objectKey } from './keys.js';
import { resumableBody } from './resumable-body.js';
import { connectS3, S3_DEFAULTS, type S3ClientOptions, type S3Connection } from './s3-client.js';
import { DirectRequests, resolveDirectRoute, type ObjectResponse } from './s3-direct-request.js';
import { toStoreError, type StoreErrorContext } from './s3-errors.js';
import { MIN_PART_SIZE, putMultipart } from './s3-multipart.js';
import { s3Retries, sendOptions, type S3RetryContext } from './s3-request.js';
import type { GetOptions, ObjectInfo, ObjectStore, PutOptions } from './object-store.js';

const MiB = 1024 * 1024;

export interface S3StoreOptions extends S3ClientOptions {
  bucket: string;
  prefix: string;
  // Attempts of one operation on transient failures, counting the first (default: retryPolicy's).
  // The SDK's attempts count against the same budget (s3-client.ts).
  maxAttempts?: number;
  partSizeBytes?: number;
  queueSize?: number;
  // Objects of at least this size go through a parallel multipart upload.
  multipartThresholdBytes?: number;
  // The pauses between attempts (and, without maxAttempts, their number).
  retryPolicy?: RetryPolicy;
}

export class S3Store implements ObjectStore {
  readonly url: string;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly connection: S3Connection;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly multipartThreshold: number;
  private readonly logger: Logger | undefined;
  private readonly retry: S3RetryContext;
  // Resolved on the first read; undefined where the endpoint needs the SDK's own path.
  private direct: Promise<DirectRequests | undefined> | undefined;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    this.url = this.prefix ? `s3://${this.bucket}/${this.prefix}` : `s3://${this.bucket}`;
    this.partSize = Math.max(MIN_PART_SIZE, options.partSizeBytes ?? 16 * MiB);
    this.queueSize = Math.max(1, options.queueSize ?? 4);
    this.multipartThreshold = options.multipartThresholdBytes ?? 64 * MiB;
    this.logger = options.logger;
    const policy = options.retryPolicy ?? defaultRetryPolicy;
    const attempts = Math.max(1, options.maxAttempts ?? options.retryPolicy?.attempts ?? S3_DEFAULTS.maxAttempts);
    this.retry = { policy: { ...policy, attempts }, logger: this.logger, mapError: (err, op, oid, n) => this.mapError(err, op, oid, n) };
    this.connection = connectS3(options, attempts);
    this.client = this.connection.client;
  }

  locate(oid: string): string {
    return `s3://${this.bucket}/${this.key(oid)}`;
  }

  async stat(oid: string, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    const Key = this.key(oid);
    return s3Retries(this.retry, 'stat', oid, signal).run(async () => {
      try {
        const direct = await this.directRequests();
        const out = direct ? await direct.head(Key, signal) : await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }), sendOptions(signal));
        return { size: out.ContentLength ?? 0 };
      } catch (err) {
        if (this.mapError(err, 'stat', oid) instanceof ObjectNotFoundError) return undefined;
        throw err;
      }
    });
  }

  // The body resumes with a Range request where a connection broke off, within the same budget.
  async get(oid: string, options: GetOptions = {}): Promise<Readable> {
    const Key = this.key(oid);
    const range = rangeHeader(options);
    const retries = s3Retries(this.retry, 'get', oid, options.signal);
    const first = await retries.run(() => this.getObject(Key, range, options.signal));
    return resumableBody({
      body: first.Body,
      start: options.start ?? 0,
      length: first.ContentLength,
      retries,
      reopen: async (from) => {
        const next = await this.getObject(Key, retryRange(range, from, options.end), options.signal);
        checkResumed(this.locate(oid), first, next, from);
        return next.Body;
      },
      truncated: (received, expected) => new StorageError(`get ${this.locate(oid)} failed: the response ended after ${received} of ${expected} bytes`),
    });
  }

  async put(oid: string, size: number, sourcePath: string, options: PutOptions = {}): Promise<void> {
    const Key = this.key(oid);
    await checkSourceSize(oid, size, sourcePath);
    const multipart = size >= this.multipartThreshold;
    const target = { client: this.client, Bucket: this.bucket, Key, partSize: this.partSize, queueSize: this.queueSize };
    // A streamed PUT is never retried by the SDK (it cannot rewind the stream): the budget does it.
    // A PUT that breaks off stores nothing under the key (S3 and radosgw store only a whole body).
    await s3Retries(this.retry, 'put', oid, options.signal).run(() =>
      multipart ? putMultipart(target, size, sourcePath, options) : this.putSingle(Key, size, sourcePath, options),
    );
  }

  async delete(oid: string): Promise<void> {
    const Key = this.key(oid);
    await s3Retries(this.retry, 'delete', oid, undefined).run(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
  }

  // For `doctor`: the bucket exists and these credentials may use it.
  // The SDK's default credential chain, resolved as the first request would (it signs nothing).
  async checkCredentials(): Promise<void> {
    try {
      await this.client.config.credentials();
    } catch (err) {
      throw toStoreError(err, this.context('find credentials for', `s3://${this.bucket}`));
    }
  }

  async prepare(): Promise<void> {
    await Promise.all([this.directRequests(), this.client.config.credentials()]);
  }

  async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw toStoreError(err, this.context('check bucket', `s3://${this.bucket}`));
    }
  }

  close(): void {
    this.connection.close();
  }

  private key(oid: string): string {
    return objectKey(this.prefix, assertOid(oid));
  }

  private async putSingle(Key: string, size: number, sourcePath: string, options: PutOptions): Promise<void> {
    const file = createReadStream(sourcePath, { highWaterMark: MiB });
    const body = options.onProgress ? file.pipe(progressCounter(options.onProgress)) : file;
    // pipe() does not forward errors: a read failure must fail the request, not hang it.
    if (body !== file) file.once('error', (err) => body.destroy(err));
    try {
      // An explicit ContentLength keeps the SDK from buffering or chunk-encoding the stream.
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key, Body: body, ContentLength: size }),
        sendOptions(options.signal),
      );
    } finally {
      file.destroy();
      body.destroy();
    }
  }

  private async getObject(Key: string, range: string | undefined, signal: AbortSignal | undefined): Promise<ObjectResponse> {
    const direct = await this.directRequests();
    if (direct) return direct.get(Key, range, signal);
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, ...(range ? { Range: range } : {}) }), sendOptions(signal));
    if (out.Body instanceof Readable) return out as ObjectResponse;
    throw new StorageError(`get s3://${this.bucket}/${Key} returned no readable body`, { retryable: true });
  }

  // An endpoint the SDK cannot resolve keeps the SDK's path, which then reports it as it always did.
  private directRequests(): Promise<DirectRequests | undefined> {
    this.direct ??= resolveDirectRoute(this.client, this.bucket).then(
      (route) => route && new DirectRequests(route, { client: this.client, pool: this.connection.pool }),
      (err: unknown) => {
        this.logger?.debug({ err: (err as Error).message }, 'S3 reads go through the SDK: its endpoint rules gave no route');
        return undefined;
      },
    );
    return this.direct;
  }

  private mapError(err: unknown, operation: string, oid: string, attempts?: number): Error {
    return toStoreError(err, { ...this.context(operation, this.locate(oid)), oid, ...(attempts !== undefined && { attempts }) });
  }

  private context(operation: string, location: string): StoreErrorContext {
    return { operation, location, bucket: this.bucket, endpoint: this.connection.endpointLabel };
  }
}

// A resumed response must continue the same object where the last one stopped.
function checkResumed(location: string, first: ObjectResponse, next: ObjectResponse, from: number | undefined): void {
  const changed = first.ETag !== undefined && next.ETag !== undefined && first.ETag !== next.ETag;
  const misplaced = from !== undefined && !next.ContentRange?.startsWith(`bytes ${from}-`);
  if (!changed && !misplaced) return;
  next.Body.destroy();
  const why = changed ? `the object changed (ETag ${first.ETag} → ${next.ETag})` : `the server did not honour Range bytes=${from}- (got ${next.ContentRange ?? 'the whole object'})`;
  throw new StorageError(`get ${location} failed: cannot resume an interrupted download: ${why}`, { retryable: false });
}

// The range of a resumed GET. Before its first byte arrived (`from` undefined) it repeats the
// caller's request exactly: a `bytes=0-` the caller never sent is a 416 on an empty object.
function retryRange(callerRange: string | undefined, from: number | undefined, end: number | undefined): string | undefined {
  return from === undefined ? callerRange : `bytes=${from}-${end ?? ''}`;
}

function rangeHeader({ start, end }: GetOptions): string | undefined {
  if (start === undefined && end === undefined) return undefined;
  const from = start ?? 0;
  if (!Number.isSafeInteger(from) || from < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < from))) {
    throw new StorageError(`invalid byte range ${from}-${end ?? ''}`, { retryable: false });
  }
  return `bytes=${from}-${end ?? ''}`;
}

async function checkSourceSize(oid: string, size: number, sourcePath: string): Promise<void> {
  let actual: number;
  try {
    actual = (await fsStat(sourcePath)).size;
  } catch (err) {
    throw new StorageError(`cannot read ${sourcePath} to upload ${oid}: ${(err as Error).message}`, { cause: err, retryable: false });
  }
  if (actual !== size) throw new IntegrityError(`${sourcePath} has ${actual} bytes, expected ${size} for ${oid}`);
}

function progressCounter(onProgress: (bytesSoFar: number) => void): Transform {
  let sent = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      sent += chunk.length;
      onProgress(sent);
      callback(null, chunk);
    },
  });
}
