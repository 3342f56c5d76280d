// The S3 client a store talks through: its sockets, its time-outs, its endpoint and region, and
// how much of the retrying the SDK does (see `maxAttempts` below).
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Http1Pool } from '../http/pool.js';
import type { Logger } from '../log/logger.js';
import { checksumMode, keepOriginalErrorOnAbort } from './s3-compat.js';

export interface S3ClientOptions {
  region?: string;
  endpoint?: string;
  forcePathStyle?: boolean;
  checksum?: 'when_required' | 'when_supported';
  // A named profile of the shared AWS config; credentials still come from the default chain.
  profile?: string;
  connectTimeoutMs?: number;
  // Inactivity timeout of a request's socket (not a total cap, which would kill large transfers).
  idleTimeoutMs?: number;
  // Older name of idleTimeoutMs.
  requestTimeoutMs?: number;
  logger?: Logger;
  // What the SDK will find in the environment by itself (AWS_REGION, AWS_REQUEST_CHECKSUM_CALCULATION),
  // as the settings saw it: the store never reads the environment.
  sdkEnvironment?: { region?: boolean; checksumCalculation?: boolean };
}

// Connections to one endpoint at once, the SDK's and the pool's each.
const MAX_SOCKETS = 64;

export const S3_DEFAULTS = { maxAttempts: 5, connectTimeoutMs: 5_000, idleTimeoutMs: 60_000 } as const;

export interface S3Connection {
  client: S3Client;
  // The connections of the requests a store sends itself (s3-direct-request.ts), with the same
  // time-outs as the client's.
  pool: Http1Pool;
  // "http://127.0.0.1:4568" or "AWS S3": who refused or did not answer, for messages.
  endpointLabel: string;
  close(): void;
}

export function connectS3(options: S3ClientOptions, maxAttempts: number): S3Connection {
  // An endpoint from AWS_ENDPOINT_URL(_S3) arrives here as `endpoint` too (config/settings.ts):
  // just as "custom" for the checksum trap.
  const customEndpoint = options.endpoint;
  const connectTimeoutMs = options.connectTimeoutMs ?? S3_DEFAULTS.connectTimeoutMs;
  const idleTimeoutMs = options.idleTimeoutMs ?? options.requestTimeoutMs ?? S3_DEFAULTS.idleTimeoutMs;
  const pool = new Http1Pool({ maxPerOrigin: MAX_SOCKETS, connectMs: connectTimeoutMs, idleMs: idleTimeoutMs });
  const config: S3ClientConfig = {
    // One budget, two hands: the SDK retries a request it can send again unchanged (anything but
    // a streamed PUT body), up to the store's whole budget for one operation, and the store
    // (s3-request.ts) charges the attempts the SDK made to that same budget, so the two never
    // multiply. Not maxAttempts 1: the SDK does retries only it can do well — each part of a
    // multipart upload (lib-storage never retries a part; without this one failed part would
    // restart a multi-GiB upload), Retry-After hints, re-signing after a clock-skew correction —
    // while the store's loop does those the SDK cannot: a streamed PUT, a body that breaks off.
    maxAttempts,
    requestHandler: {
      // Options, not Agent instances: with its own agents the SDK waits for 100 Continue (below).
      httpAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
      httpsAgent: { keepAlive: true, maxSockets: MAX_SOCKETS },
      connectionTimeout: connectTimeoutMs,
      // Idle, not total: also fires when a response body stops arriving half-way.
      socketTimeout: idleTimeoutMs,
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
  // A streamed upload with checksums is aws-chunked, which some S3-compatible servers refuse (411,
  // radosgw): answering before the body, they close a connection still being written to, and the
  // client sees EPIPE instead of the refusal that says what to change. With Expect: 100-continue
  // the refusal comes before any body byte (the SDK adds it to every upload with a body here; its
  // own rule skips aws-chunked ones, which have no Content-Length). Elsewhere, no Expect: a round
  // trip more per upload for nothing.
  config.expectContinueHeader = customEndpoint !== undefined && checksum !== 'WHEN_REQUIRED';
  const client = new S3Client(config);
  keepOriginalErrorOnAbort(client, options.logger);
  return {
    client,
    pool,
    endpointLabel: customEndpoint ?? 'AWS S3',
    close() {
      client.destroy();
      pool.close();
    },
  };
}

// Routes the SDK's own warnings to our log at debug level; its info lines (every command) are dropped.
function sdkLogger(logger: Logger | undefined): NonNullable<S3ClientConfig['logger']> {
  const noop = (): void => undefined;
  const debug = (...content: unknown[]): void => logger?.debug({ sdk: content.map(String).join(' ') }, 'AWS SDK message');
  return { trace: noop, debug: noop, info: noop, warn: debug, error: debug };
}
