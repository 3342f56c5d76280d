// GET and HEAD of one object sent straight over HTTP/1.1 (http/pool.ts), signed by the SDK's own
// signer for the endpoint the SDK's own rules resolve: what every read of an object does (hydrate,
// `cat`, `path`, `serve`, the agent's downloads). Why not client.send: the SDK's middleware stack costs
// ≈ 2 ms of CPU a request on this machine against ≈ 0.7 ms for the same signed request sent
// directly (300 sequential 64 KiB GETs from s3rver: 0.9–1.0 s against 0.4 s), and a reader that
// asks for one file at a time waits for all of it. What the stack did for a GET is done here:
// the endpoint (resolved once per store, by the SDK's rules), the signature (the SDK's signer,
// with the client's credential chain and its clock-skew offset), the time-outs (s3-client.ts's
// settings), and an error shaped as the SDK's, so that s3-errors.ts maps it the same way. Retries
// stay with the store's one budget (s3-request.ts). An endpoint that needs more than SigV4 (S3
// Express directory buckets, multi-region access points' SigV4a) keeps the SDK's path. The
// connections are lfs-lazy's own, not node's http client: a large body costs a fifth of the CPU
// (http/connection.ts).
import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import type { Http1Response } from '../http/response.js';
import type { Http1Pool } from '../http/pool.js';

export interface ObjectResponse {
  Body: Readable;
  ContentLength?: number;
  ETag?: string;
  ContentRange?: string;
}

export interface DirectRequestOptions {
  client: S3Client;
  pool: Http1Pool;
}

// Where a store's requests go and who signs them; undefined when the SDK must send them itself.
export interface DirectRoute {
  url: URL;
  sign(request: SignableRequest, options: { signingDate: Date; signingRegion: string; signingService: string }): Promise<SignableRequest>;
  signingRegion: string;
  signingService: string;
}

export interface SignableRequest {
  method: string;
  protocol: string;
  hostname: string;
  port?: number;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
}

interface AuthScheme {
  name?: string;
  signingName?: string;
  signingRegion?: string;
}

// A clock this far from the server's makes S3 refuse the signature; the SDK corrects beyond it.
const SKEW_LIMIT_MS = 5 * 60_000;
const CLOCK_SKEW_CODES = new Set(['RequestTimeTooSkewed', 'RequestExpired', 'RequestInTheFuture', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'AuthFailure']);
const ERROR_BODY_LIMIT = 64 * 1024;

export async function resolveDirectRoute(client: S3Client, bucket: string): Promise<DirectRoute | undefined> {
  const endpoint = await getEndpointFromInstructions({ Bucket: bucket, Key: 'key' }, GetObjectCommand, client.config as never);
  const scheme = (endpoint.properties?.['authSchemes'] as AuthScheme[] | undefined)?.[0];
  if (!directlySignable(endpoint.url, scheme, endpoint.headers)) return undefined;
  const signer = (await client.config.signer(scheme as never)) as unknown as Pick<DirectRoute, 'sign'>;
  return { url: endpoint.url, sign: (req, options) => signer.sign(req, options), signingRegion: scheme!.signingRegion!, signingService: scheme!.signingName! };
}

// Plain SigV4 to a URL with no query and no extra headers: what this module knows how to send.
export function directlySignable(url: URL, scheme: AuthScheme | undefined, headers: Record<string, string[]> | undefined): boolean {
  return scheme?.name === 'sigv4' && !!scheme.signingName && !!scheme.signingRegion && url.search === '' && Object.keys(headers ?? {}).length === 0;
}

// The key in the request path as the SDK writes it: each segment percent-encoded, RFC 3986 strict.
export function objectPath(url: URL, key: string): string {
  const base = url.pathname.replace(/\/+$/, '');
  const encoded = key.split('/').map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  return `${base}/${encoded.join('/')}`;
}

export class DirectRequests {
  constructor(
    private readonly route: DirectRoute,
    private readonly options: DirectRequestOptions,
  ) {}

  async get(key: string, range: string | undefined, signal: AbortSignal | undefined): Promise<ObjectResponse> {
    const res = await this.send('GET', key, range, signal);
    return { Body: res, ...responseHeaders(res) };
  }

  // The object's size, or an error as the SDK's HeadObject gives it (a 404 named NotFound).
  async head(key: string, signal: AbortSignal | undefined): Promise<{ ContentLength?: number }> {
    const res = await this.send('HEAD', key, undefined, signal);
    res.resume();
    return responseHeaders(res);
  }

  // One request; a refusal for a skewed clock corrects the client's offset, as the SDK does, and
  // is sent once more at once.
  private async send(method: 'GET' | 'HEAD', key: string, range: string | undefined, signal: AbortSignal | undefined): Promise<Http1Response> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.exchange(method, key, range, signal);
      const corrected = this.correctClock(res.headers.date);
      if (res.statusCode === 200 || res.statusCode === 206) return res;
      const err = await responseError(res);
      if (attempt === 1 && corrected && CLOCK_SKEW_CODES.has(err.name)) continue;
      throw err;
    }
  }

  private async exchange(method: 'GET' | 'HEAD', key: string, range: string | undefined, signal: AbortSignal | undefined): Promise<Http1Response> {
    const { url, signingRegion, signingService } = this.route;
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const unsigned: SignableRequest = {
      method,
      protocol: url.protocol,
      hostname,
      path: objectPath(url, key),
      query: {},
      headers: { host: url.host, ...(range !== undefined && { range }) },
      ...(url.port !== '' && { port: Number(url.port) }),
    };
    const signingDate = new Date(Date.now() + this.clockOffset());
    const signed = await this.route.sign(unsigned, { signingDate, signingRegion, signingService });
    const https = url.protocol === 'https:';
    const origin = { https, hostname, port: url.port === '' ? (https ? 443 : 80) : Number(url.port) };
    return this.options.pool.request(origin, { method, path: signed.path, headers: signed.headers }, signal);
  }

  private clockOffset(): number {
    return (this.options.client.config as { systemClockOffset?: number }).systemClockOffset ?? 0;
  }

  // Whether the server's clock differs from ours by more than S3 accepts; the client's offset is
  // then the server's, for this store's requests and the SDK's alike.
  private correctClock(dateHeader: string | undefined): boolean {
    const serverTime = dateHeader === undefined ? NaN : Date.parse(dateHeader);
    if (Number.isNaN(serverTime)) return false;
    const offset = this.clockOffset();
    if (Math.abs(serverTime - (Date.now() + offset)) < SKEW_LIMIT_MS) return false;
    (this.options.client.config as { systemClockOffset?: number }).systemClockOffset = serverTime - Date.now();
    return true;
  }
}

function responseHeaders(res: Http1Response): Omit<ObjectResponse, 'Body'> {
  const length = res.headers['content-length'];
  const etag = res.headers.etag;
  const contentRange = res.headers['content-range'];
  return {
    ...(length !== undefined && { ContentLength: Number(length) }),
    ...(etag !== undefined && { ETag: etag }),
    ...(contentRange !== undefined && { ContentRange: contentRange }),
  };
}

// The SDK's error for a refused request: name and Code from S3's XML error body (a HEAD has none:
// the name says the status, as the SDK's does), the status and one attempt in $metadata.
async function responseError(res: Http1Response): Promise<Error> {
  const status = res.statusCode ?? 0;
  // Read to its end either way: a response left unread keeps its socket from the pool.
  const body = await readLimited(res);
  const code = /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  const name = code ?? (status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : 'Unknown');
  const requestId = res.headers['x-amz-request-id'];
  return Object.assign(new Error(message ?? (code ? `${code} (HTTP ${status})` : 'UnknownError')), {
    name,
    ...(code !== undefined && { Code: code }),
    $metadata: { httpStatusCode: status, attempts: 1, ...(typeof requestId === 'string' && { requestId }) },
  });
}

async function readLimited(res: Http1Response): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      if (size < ERROR_BODY_LIMIT) chunks.push(chunk);
      size += chunk.length;
    }
  } catch {
    // The status alone still says what happened.
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, ERROR_BODY_LIMIT));
}
