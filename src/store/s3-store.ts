import { createReadStream } from 'node:fs';
import { stat as fsStat } from 'node:fs/promises';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable, Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Logger } from 'pino';
import { IntegrityError, LfsLazyError, ObjectNotFoundError, StorageError } from '../errors/index.js';
import { assertOid } from '../util/oid.js';
import { backoffDelay, defaultRetryPolicy, isRetryable, markRetriesSpent, type RetryPolicy } from '../util/retry.js';
import { objectKey } from './keys.js';
import { toStoreError, type StoreErrorContext } from './s3-errors.js';
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
  // Attempts of one operation on transient failures, counting the first (default: retryPolicy's).
  // Also the SDK's per-request limit; the attempts the SDK made count against the same budget.
  maxAttempts?: number;
  connectTimeoutMs?: number;
  // Inactivity timeout of a request's socket (not a total cap, which would kill large transfers).
  idleTimeoutMs?: number;
  // Older name of idleTimeoutMs.
  requestTimeoutMs?: number;
  partSizeBytes?: number;
  queueSize?: number;
  // Objects of at least this size go through a parallel multipart upload.
  multipartThresholdBytes?: number;
  retryPolicy?: RetryPolicy;
  logger?: Logger;
  // What the SDK will find in the environment by itself (AWS_REGION, AWS_REQUEST_CHECKSUM_CALCULATION),
  // as the settings saw it: the store never reads the environment.
  sdkEnvironment?: { region?: boolean; checksumCalculation?: boolean };
}

export const S3_DEFAULTS = { maxAttempts: 5, connectTimeoutMs: 5_000, idleTimeoutMs: 60_000 } as const;

// Attempts already used by one operation; shared by every request it makes (a download's resumes).
interface Budget {
  used: number;
}

// The response body a download is reading now, and whether its reader has gone away.
interface CurrentBody {
  body: Readable;
  closed: boolean;
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
  private readonly maxAttempts: number;
  private readonly logger: Logger | undefined;
  private readonly agents: { http: HttpAgent; https: HttpsAgent };

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    this.url = this.prefix ? `s3://${this.bucket}/${this.prefix}` : `s3://${this.bucket}`;
    // An endpoint from AWS_ENDPOINT_URL(_S3) arrives here as `endpoint` too (config/settings.ts):
    // just as "custom" for the checksum trap.
    const customEndpoint = options.endpoint;
    this.endpointLabel = customEndpoint ?? 'AWS S3';
    this.partSize = Math.max(MIN_PART_SIZE, options.partSizeBytes ?? 16 * MiB);
    this.queueSize = Math.max(1, options.queueSize ?? 4);
    this.multipartThreshold = options.multipartThresholdBytes ?? 64 * MiB;
    this.retryPolicy = options.retryPolicy ?? defaultRetryPolicy;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? options.retryPolicy?.attempts ?? S3_DEFAULTS.maxAttempts);
    this.logger = options.logger;
    this.agents = {
      http: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
      https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
    };

    const config: S3ClientConfig = {
      maxAttempts: this.maxAttempts,
      requestHandler: {
        httpAgent: this.agents.http,
        httpsAgent: this.agents.https,
        connectionTimeout: options.connectTimeoutMs ?? S3_DEFAULTS.connectTimeoutMs,
        // Idle, not total: also fires when a response body stops arriving half-way.
        socketTimeout: options.idleTimeoutMs ?? options.requestTimeoutMs ?? S3_DEFAULTS.idleTimeoutMs,
      },
      // Without a logger the SDK warns on the console; stdout belongs to the git-lfs protocol.
      logger: sdkLogger(options.logger),
    };
    if (options.endpoint !== undefined) config.endpoint = options.endpoint;
    if (options.forcePathStyle !== undefined) config.forcePathStyle = options.forcePathStyle;
    // S3-compatible servers rarely have a region of their own; don't fail on a missing one.
    const region = options.region ?? (customEndpoint && !options.sdkEnvironment?.region ? 'us-east-1' : undefined);
    if (region !== undefined) config.region = region;
    if (options.profile !== undefined) config.profile = options.profile;
    const checksum = checksumMode(options.checksum, customEndpoint !== undefined, options.sdkEnvironment?.checksumCalculation === true);
    if (checksum) {
      config.requestChecksumCalculation = checksum;
      config.responseChecksumValidation = checksum;
    }
    this.client = new S3Client(config);
    this.keepOriginalErrorOnAbort();
  }

  locate(oid: string): string {
    return `s3://${this.bucket}/${this.key(oid)}`;
  }

  async stat(oid: string, signal?: AbortSignal): Promise<ObjectInfo | undefined> {
    const Key = this.key(oid);
    return this.attempt('stat', oid, signal, async () => {
      try {
        const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }), sendOptions(signal));
        return { size: out.ContentLength ?? 0 };
      } catch (err) {
        if (this.mapError(err, 'stat', oid) instanceof ObjectNotFoundError) return undefined;
        throw err;
      }
    });
  }

  // The body stream resumes with a Range request where a connection broke off, within the same
  // attempt budget, so a reset at 90 % of a large object does not start it over.
  async get(oid: string, options: GetOptions = {}): Promise<Readable> {
    const Key = this.key(oid);
    const range = rangeHeader(options);
    const budget: Budget = { used: 0 };
    const first = await this.attempt('get', oid, options.signal, () => this.getObject(Key, range, options.signal), budget);
    const current: CurrentBody = { body: first.Body as Readable, closed: false };
    return streamOf(this.resumingBody(oid, Key, first, options, budget, current), () => {
      // A reader that goes away releases the socket at once, and never causes a resume.
      current.closed = true;
      current.body.destroy();
    });
  }

  async put(oid: string, size: number, sourcePath: string, options: PutOptions = {}): Promise<void> {
    const Key = this.key(oid);
    await checkSourceSize(oid, size, sourcePath);
    const multipart = size >= this.multipartThreshold;
    try {
      // A streamed PUT is never retried by the SDK (it cannot rewind the stream): this loop does it.
      await this.attempt('put', oid, options.signal, () =>
        multipart ? this.putMultipart(Key, size, sourcePath, options) : this.putSingle(Key, size, sourcePath, options),
      );
    } catch (err) {
      if (!multipart) await this.removePartial(Key, oid, size);
      throw err;
    }
  }

  async delete(oid: string): Promise<void> {
    const Key = this.key(oid);
    await this.attempt('delete', oid, undefined, () => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key })));
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

  // lib-storage aborts a failed multipart upload and, if the abort fails too (s3rver answers 405),
  // throws the abort's error instead of the one that made it abort. The parts left behind cost
  // storage until a lifecycle rule removes them; the user needs the original cause.
  private keepOriginalErrorOnAbort(): void {
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'AbortMultipartUploadCommand') return next(args);
        try {
          return await next(args);
        } catch (err) {
          const { Key, UploadId } = args.input as { Key?: string; UploadId?: string };
          this.logger?.warn({ err: (err as Error).message, key: Key, uploadId: UploadId }, 'could not abort a failed multipart upload; its parts stay until a bucket lifecycle rule removes them');
          return { output: { $metadata: {} }, response: undefined };
        }
      },
      { step: 'initialize', name: 'lfsLazyKeepOriginalErrorOnAbort' },
    );
  }

  private async getObject(Key: string, range: string | undefined, signal: AbortSignal | undefined): Promise<GetObjectCommandOutput> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key, ...(range ? { Range: range } : {}) }), sendOptions(signal));
    if (out.Body instanceof Readable) return out;
    throw new StorageError(`get s3://${this.bucket}/${Key} returned no readable body`, { retryable: true });
  }

  private async *resumingBody(oid: string, Key: string, first: GetObjectCommandOutput, options: GetOptions, budget: Budget, current: CurrentBody): AsyncGenerator<Buffer> {
    const start = options.start ?? 0;
    // Where the body must end (exclusive); a clean end before it is a truncation, not success.
    const stop = first.ContentLength === undefined ? undefined : start + first.ContentLength;
    let position = start;
    let body = current.body;
    try {
      for (;;) {
        try {
          for await (const chunk of body as AsyncIterable<Buffer>) {
            position += chunk.length;
            yield chunk;
          }
          if (stop === undefined || position >= stop) return;
          throw new StorageError(`get ${this.locate(oid)} failed: the response ended after ${position - start} of ${stop - start} bytes`);
        } catch (err) {
          body.destroy();
          if (current.closed) return;
          budget.used++;
          const mapped = this.mapError(err, 'get', oid, budget.used);
          if (!isRetryable(mapped) || budget.used >= this.maxAttempts || options.signal?.aborted) throw this.giveUp(mapped);
          await this.pause('get', oid, mapped, budget.used, options.signal);
          // Nothing received yet: ask again exactly as the caller did (s3rver mishandles some ranges).
          const from = position === start ? undefined : position;
          const range = from === undefined ? rangeHeader(options) : rangeHeader({ start: from, ...(options.end !== undefined && { end: options.end }) });
          const out = await this.attempt('get', oid, options.signal, () => this.getObject(Key, range, options.signal), budget);
          body = current.body = out.Body as Readable;
          if (current.closed) return;
          checkResumed(this.locate(oid), first, out, from);
        }
      }
    } finally {
      // Also when the consumer stops reading early: release the socket.
      body.destroy();
    }
  }

  // Runs one operation, retrying transient failures with backoff and jitter until the budget is
  // spent. The SDK retries most requests itself; its attempts are counted here, so the total stays
  // maxAttempts and not maxAttempts². The final error names the operation, the object and the cause.
  private async attempt<T>(operation: string, oid: string, signal: AbortSignal | undefined, task: () => Promise<T>, budget: Budget = { used: 0 }): Promise<T> {
    for (;;) {
      try {
        return await task();
      } catch (err) {
        budget.used += sdkAttempts(err);
        const mapped = this.mapError(err, operation, oid, budget.used);
        if (!isRetryable(mapped) || budget.used >= this.maxAttempts || signal?.aborted) throw this.giveUp(mapped);
        await this.pause(operation, oid, mapped, budget.used, signal);
      }
    }
  }

  private giveUp(err: Error): Error {
    return err instanceof LfsLazyError && err.retryable ? markRetriesSpent(err) : err;
  }

  private async pause(operation: string, oid: string, err: Error, attempt: number, signal: AbortSignal | undefined): Promise<void> {
    const delayMs = backoffDelay(attempt, this.retryPolicy);
    this.logger?.warn({ err: err.message, operation, oid, attempt, delayMs }, 'retrying S3 operation');
    await sleep(delayMs, undefined, signal ? { signal } : undefined);
  }

  // Some S3-compatible servers (s3rver) keep the part of a PUT that arrived before the connection
  // broke. A wrong-sized object is never valid, so it is removed; a complete one (another writer's)
  // is left alone. Best effort: the next upload replaces a leftover anyway.
  private async removePartial(Key: string, oid: string, size: number): Promise<void> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      if (head.ContentLength === size) return;
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key }));
      this.logger?.warn({ oid, storedSize: head.ContentLength, size }, 'removed a partial object left by a failed upload');
    } catch {
      // Absent (404) is the normal case; anything else leaves it for the next upload to replace.
    }
  }

  private mapError(err: unknown, operation: string, oid: string, attempts?: number): Error {
    return toStoreError(err, { ...this.context(operation, this.locate(oid)), oid, ...(attempts !== undefined && { attempts }) });
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

function checksumMode(
  option: S3StoreOptions['checksum'],
  customEndpoint: boolean,
  chosenInEnvironment: boolean,
): 'WHEN_REQUIRED' | 'WHEN_SUPPORTED' | undefined {
  if (option) return option === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  // An explicit AWS_REQUEST_CHECKSUM_CALCULATION is the user's choice: let the SDK read it.
  if (chosenInEnvironment) return undefined;
  // Custom endpoints (MinIO, s3rver, ...) may store aws-chunked framing as data: see the findings §0.1.
  return customEndpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
}

// Like Readable.from, but `onDestroy` runs as soon as the reader destroys the stream; Readable.from
// would first wait for the generator's pending read, which on a stalled socket lasts until the
// idle time-out.
function streamOf(chunks: AsyncGenerator<Buffer>, onDestroy: () => void): Readable {
  return new Readable({
    read() {
      chunks.next().then(
        (next) => this.push(next.done ? null : next.value),
        (err: unknown) => this.destroy(err as Error),
      );
    },
    destroy(err, callback) {
      onDestroy();
      chunks.return(undefined).catch(() => undefined);
      callback(err);
    },
  });
}

// The SDK's own attempts behind a failed send (1 when it did not retry, e.g. a streamed PUT).
function sdkAttempts(err: unknown): number {
  const attempts = (err as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 0 ? attempts : 1;
}

// A resumed response must continue the same object where the last one stopped.
function checkResumed(location: string, first: GetObjectCommandOutput, next: GetObjectCommandOutput, from: number | undefined): void {
  const changed = first.ETag !== undefined && next.ETag !== undefined && first.ETag !== next.ETag;
  const misplaced = from !== undefined && !next.ContentRange?.startsWith(`bytes ${from}-`);
  if (!changed && !misplaced) return;
  (next.Body as Readable | undefined)?.destroy();
  const why = changed ? `the object changed (ETag ${first.ETag} → ${next.ETag})` : `the server did not honour Range bytes=${from}- (got ${next.ContentRange ?? 'the whole object'})`;
  throw new StorageError(`get ${location} failed: cannot resume an interrupted download: ${why}`, { retryable: false });
}

// Routes the SDK's own warnings to our log at debug level; its info lines (every command) are dropped.
function sdkLogger(logger: Logger | undefined): NonNullable<S3ClientConfig['logger']> {
  const noop = (): void => undefined;
  const debug = (...content: unknown[]): void => logger?.debug({ sdk: content.map(String).join(' ') }, 'AWS SDK message');
  return { trace: noop, debug: noop, info: noop, warn: debug, error: debug };
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
