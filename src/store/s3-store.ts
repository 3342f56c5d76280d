import { createReadStream } from 'node:fs';
import { stat as fsStat } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable, Transform } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Logger } from 'pino';
import { AccessDeniedError, IntegrityError, LfsLazyError, ObjectNotFoundError, StorageError } from '../errors/index.js';
import { assertOid } from '../util/oid.js';
import { defaultRetryPolicy, withRetry, type RetryPolicy } from '../util/retry.js';
import { objectKey } from './keys.js';
import type { GetOptions, ObjectInfo, ObjectStore, PutOptions } from './object-store.js';

const MiB = 1024 * 1024;
// S3 limits: parts are >= 5 MiB and an upload has at most 10,000 parts. 9,000 leaves headroom.
const MIN_PART_SIZE = 5 * MiB;
const TARGET_MAX_PARTS = 9_000;

export interface S3StoreOptions {
  bucket: string;
  prefix: string;
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  checksum?: 'when_required' | 'when_supported';
  // A named profile of the shared AWS config; credentials still come from the default chain.
  profile?: string;
  // Attempts per request inside the SDK; our own withRetry wraps whole operations on top.
  maxAttempts?: number;
  connectTimeoutMs?: number;
  // Inactivity timeout of a request's socket (not a total cap, which would kill large transfers).
  requestTimeoutMs?: number;
  partSizeBytes?: number;
  queueSize?: number;
  // Objects of at least this size go through a parallel multipart upload.
  multipartThresholdBytes?: number;
  retryPolicy?: RetryPolicy;
  logger?: Logger;
}

export interface StoreErrorContext {
  operation: string;
  location: string;
  oid?: string;
  bucket: string;
  // "http://127.0.0.1:4568" or "AWS S3": who refused or did not answer.
  endpoint: string;
}

export class S3Store implements ObjectStore {
  readonly url: string;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly endpointLabel: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly multipartThreshold: number;
  private readonly retryPolicy: RetryPolicy;
  private readonly logger: Logger | undefined;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    this.url = this.prefix ? `s3://${this.bucket}/${this.prefix}` : `s3://${this.bucket}`;
    // The SDK also takes the endpoint from AWS_ENDPOINT_URL(_S3); that is just as "custom" for the
    // checksum trap, so it counts here too.
    const customEndpoint = options.endpoint ?? process.env['AWS_ENDPOINT_URL_S3'] ?? process.env['AWS_ENDPOINT_URL'];
    this.endpointLabel = customEndpoint ?? 'AWS S3';
    this.partSize = Math.max(MIN_PART_SIZE, options.partSizeBytes ?? 16 * MiB);
    this.queueSize = Math.max(1, options.queueSize ?? 4);
    this.multipartThreshold = options.multipartThresholdBytes ?? 64 * MiB;
    this.retryPolicy = options.retryPolicy ?? defaultRetryPolicy;
    this.logger = options.logger;
    this.agents = {
      http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
    };

    const config: S3ClientConfig = {
      maxAttempts: options.maxAttempts ?? 3,
      requestHandler: {
        httpAgent: this.agents.http,
        httpsAgent: this.agents.https,
        connectionTimeout: options.connectTimeoutMs ?? 5_000,
        socketTimeout: options.requestTimeoutMs ?? 60_000,
      },
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.forcePathStyle !== undefined) config.forcePathStyle = options.forcePathStyle;
    // S3-compatible servers rarely have a region of their own; don't fail on a missing one.
    const region = options.region ?? (customEndpoint && !process.env['AWS_REGION'] ? 'us-east-1' : undefined);
    if (region !== undefined) config.region = region;
    if (options.profile !== undefined) config.profile = options.profile;
    const checksum = checksumMode(options.checksum, customEndpoint !== undefined);
    if (checksum) {
      config.requestChecksumCalculation = checksum;
      config.responseChecksumValidation = checksum;
    }
    this.client = new S3Client(config);
  }

  locate(oid: string): string {
    return `s3://${this.bucket}/${this.key(oid)}`;
  }

  async stat(oid: string, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    const Key = this.key(oid);
    return this.retry(signal, async () => {
      try {
        const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }), sendOptions(signal));
        return { size: out.ContentLength ?? 0 };
      } catch (err) {
        const mapped = this.mapError(err, 'stat', oid);
        if (mapped instanceof ObjectNotFoundError) return undefined;
        throw mapped;
      }
    });
  }

  async get(oid: string, options: GetOptions = {}): Promise<Readable> {
    const Key = this.key(oid);
    const range = rangeHeader(options);
    try {
      const out = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key, ...(range ? { Range: range } : {}) }),
        sendOptions(options.signal),
      );
      if (out.Body instanceof Readable) return out.Body;
      throw new StorageError(`get ${this.locate(oid)} returned no readable body`, { retryable: true });
    } catch (err) {
      throw this.mapError(err, 'get', oid);
    }
  }

  async put(oid: string, size: number, sourcePath: string, options: PutOptions = {}): Promise<void> {
    const Key = this.key(oid);
    await checkSourceSize(oid, size, sourcePath);
    await this.retry(options.signal, async () => {
      try {
        if (size >= this.multipartThreshold) await this.putMultipart(Key, size, sourcePath, options);
        else await this.putSingle(Key, size, sourcePath, options);
      } catch (err) {
        throw this.mapError(err, 'put', oid);
      }
    });
  }

  async delete(oid: string): Promise<void> {
    const Key = this.key(oid);
    await this.retry(undefined, async () => {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
      } catch (err) {
        throw this.mapError(err, 'delete', oid);
      }
    });
  }

  // For `doctor`: the bucket exists and these credentials may use it.
  async checkBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw toStoreError(err, this.context('check bucket', `s3://${this.bucket}`));
    }
  }

  close(): void {
    this.client.destroy();
    this.agents.http.destroy();
    this.agents.https.destroy();
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

  private async putMultipart(Key: string, size: number, sourcePath: string, options: PutOptions): Promise<void> {
    const file = createReadStream(sourcePath, { highWaterMark: MiB });
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key, Body: file, ContentLength: size },
      partSize: multipartPartSize(size, this.partSize),
      queueSize: this.queueSize,
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
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
      file.destroy();
    }
  }

  private retry<T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    return withRetry(task, {
      policy: this.retryPolicy,
      ...(signal ? { signal } : {}),
      onRetry: (err, attempt, delayMs) =>
        this.logger?.warn({ err: err instanceof Error ? err.message : String(err), attempt, delayMs }, 'retrying S3 operation'),
    });
  }

  private mapError(err: unknown, operation: string, oid: string): Error {
    return toStoreError(err, { ...this.context(operation, this.locate(oid)), oid });
  }

  private context(operation: string, location: string): StoreErrorContext {
    return { operation, location, bucket: this.bucket, endpoint: this.endpointLabel };
  }
}

// Part size that keeps even a > 5 GiB object under the 10,000-part limit, in whole MiB.
export function multipartPartSize(size: number, configured: number): number {
  const needed = Math.ceil(Math.ceil(size / TARGET_MAX_PARTS) / MiB) * MiB;
  return Math.max(MIN_PART_SIZE, configured, needed);
}

function checksumMode(option: S3StoreOptions['checksum'], customEndpoint: boolean): 'WHEN_REQUIRED' | 'WHEN_SUPPORTED' | undefined {
  if (option) return option === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  // An explicit AWS_REQUEST_CHECKSUM_CALCULATION is the user's choice: let the SDK read it.
  if (process.env['AWS_REQUEST_CHECKSUM_CALCULATION']) return undefined;
  // Custom endpoints (MinIO, s3rver, ...) may store aws-chunked framing as data: see the findings §0.1.
  return customEndpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
}

function sendOptions(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal ? { abortSignal: signal } : {};
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

// --- error mapping: the one place an SDK or socket error becomes an lfs-lazy error ---

const ACCESS_CODES = new Set([
  'AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken',
  'TokenRefreshRequired', 'AllAccessDisabled', 'CredentialsProviderError',
]);
const THROTTLE_CODES = new Set([
  'SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'TooManyRequestsException',
  'RequestTimeout', 'RequestTimeoutException', 'InternalError', 'ServiceUnavailable',
]);
const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed while sending',
  ECONNABORTED: 'connection aborted',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EAI_AGAIN: 'DNS lookup failed',
};

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  errors?: Array<{ code?: string }>;
}

export function toStoreError(err: unknown, ctx: StoreErrorContext): Error {
  if (err instanceof LfsLazyError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as SdkErrorShape;
  // Cancellation is the caller's decision, not a storage failure: keep it recognisable.
  if (e.name === 'AbortError') return err as Error;
  const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  // A HEAD has no body, so s3rver/S3 give only a name like "NotFound" or "Unknown" and a status.
  const code = e.Code ?? (e.name && !['Error', 'Unknown', 'UnknownError'].includes(e.name) ? e.name : undefined);
  const netCode = e.code ?? e.errors?.find((x) => x.code)?.code;

  if (code === 'NoSuchBucket' || (status === 404 && ctx.oid === undefined)) {
    return new StorageError(`bucket "${ctx.bucket}" does not exist at ${ctx.endpoint} (${code ?? 'HTTP 404'}); check the store URL`, {
      cause: err,
      retryable: false,
    });
  }
  if (ctx.oid !== undefined && (code === 'NoSuchKey' || code === 'NotFound' || (status === 404 && code === undefined))) {
    return new ObjectNotFoundError(ctx.oid, ctx.location, err);
  }
  if (status === 401 || status === 403 || (code !== undefined && ACCESS_CODES.has(code))) {
    const reason = code ?? `HTTP ${status}`;
    const what = code === 'CredentialsProviderError' ? 'no AWS credentials were found' : `the credentials were refused by ${ctx.endpoint} for bucket ${ctx.bucket}`;
    return new AccessDeniedError(
      `access denied to ${ctx.location}: ${what} (${reason}). Check AWS_PROFILE / AWS_ACCESS_KEY_ID or run \`lfs-lazy doctor\``,
      err,
    );
  }
  const fail = `${ctx.operation} ${ctx.location} failed`;
  if ((status !== undefined && (status >= 500 || status === 429)) || (code !== undefined && THROTTLE_CODES.has(code))) {
    return new StorageError(`${fail}: HTTP ${status ?? '?'} ${code ?? ''}`.trimEnd(), { cause: err, retryable: true });
  }
  if (netCode !== undefined && NETWORK_CODES[netCode]) {
    return new StorageError(`${fail}: ${NETWORK_CODES[netCode]} (${netCode}) to ${ctx.endpoint}`, { cause: err, retryable: true });
  }
  if (e.name === 'TimeoutError' || /socket hang up/i.test(e.message ?? '')) {
    return new StorageError(`${fail}: ${e.name === 'TimeoutError' ? 'timed out' : 'socket hang up'} talking to ${ctx.endpoint}`, {
      cause: err,
      retryable: true,
    });
  }
  const detail = status !== undefined ? `HTTP ${status} ${code ?? ''}`.trimEnd() : (netCode ?? e.name ?? 'error');
  const message = e.message && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  return new StorageError(`${fail}: ${detail}${message}`, { cause: err, retryable: false });
}
