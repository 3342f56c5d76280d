// The one place an S3 SDK or socket error becomes an lfs-lazy error: 404 → not found, 401/403 and
// credential errors → access denied, 5xx / throttling / resets / time-outs → retryable; everything
// else is permanent and goes to git-lfs with a code that says so, never a retryable 503: a missing
// bucket 404, a refused streamed upload 411, a bad range 416, any other 4xx 400, an endpoint that
// cannot be right or a refused certificate 78 (configuration), anything else 502. Pure: it looks
// at the error's shape, never imports the SDK.
import { AccessDeniedError, ErrorCode, LfsLazyError, ObjectNotFoundError, StorageError } from '../errors/index.js';

export interface StoreErrorContext {
  operation: string;
  location: string;
  oid?: string;
  bucket: string;
  // "http://127.0.0.1:4568" or "AWS S3": who refused or did not answer.
  endpoint: string;
  // Attempts made before giving up, when more than one.
  attempts?: number;
}


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
// An endpoint that cannot be right: retrying it changes nothing.
const BAD_ENDPOINT_CODES: Record<string, string> = {
  ENOTFOUND: 'the host name does not resolve',
  ERR_INVALID_URL: 'not a valid URL',
  EPROTO: 'not the protocol the URL names (http:// vs https://)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'not the protocol the URL names (http:// vs https://)',
  EADDRNOTAVAIL: 'the address is not available',
};

// Node's (OpenSSL's) certificate verification failures: DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED,
// UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID, …
const TLS_CODE = /CERT|CRL|^UNABLE_TO_|^ERR_TLS_CERT|^HOSTNAME_MISMATCH$|^INVALID_CA$|^INVALID_PURPOSE$|^PATH_LENGTH_EXCEEDED$/;

interface SdkErrorShape {
  name?: string;
  code?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number };
  errors?: Array<{ code?: string }>;
}

// Which time-out fired, in the words of the setting that controls it.
function describeTimeout(message = ''): string {
  const ms = /(\d+) ms/.exec(message)?.[1];
  if (ms && /establish a connection/.test(message)) return `no connection within ${ms} ms (connectTimeoutMs)`;
  if (ms && /inactivity/.test(message)) return `timed out: no data for ${ms} ms (idleTimeoutMs)`;
  return 'timed out';
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
      code: ErrorCode.NotFound,
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
  const fail = `${ctx.operation} ${ctx.location} failed${ctx.attempts !== undefined && ctx.attempts > 1 ? ` after ${ctx.attempts} attempts` : ''}`;
  if ((status !== undefined && (status >= 500 || status === 429)) || (code !== undefined && THROTTLE_CODES.has(code))) {
    return new StorageError(`${fail}: HTTP ${status ?? '?'} ${code ?? ''}`.trimEnd(), { cause: err, retryable: true });
  }
  if (status === 411 || code === 'MissingContentLength') {
    // radosgw (and others) refuse the SDK's aws-chunked streamed upload, which has no Content-Length.
    return new StorageError(
      `${fail}: ${ctx.endpoint} refused a streamed upload without Content-Length (${code ?? 'HTTP 411'}); ` +
        'it does not take the SDK\'s aws-chunked uploads: set lfs-lazy.checksum = when_required (git config lfs-lazy.checksum when_required)',
      { cause: err, retryable: false, code: ErrorCode.LengthRequired },
    );
  }
  if (status === 416 || code === 'InvalidRange') {
    return new StorageError(`${fail}: the byte range starts at or past the end of the object (${code ?? 'HTTP 416'})`, {
      cause: err,
      retryable: false,
      code: ErrorCode.RangeNotSatisfiable,
    });
  }
  if (netCode !== undefined && BAD_ENDPOINT_CODES[netCode]) {
    return new StorageError(`${fail}: cannot reach ${ctx.endpoint}: ${BAD_ENDPOINT_CODES[netCode]} (${netCode}); check the endpoint`, {
      cause: err,
      retryable: false,
      code: ErrorCode.Config,
    });
  }
  if (netCode !== undefined && NETWORK_CODES[netCode]) {
    return new StorageError(`${fail}: ${NETWORK_CODES[netCode]} (${netCode}) to ${ctx.endpoint}`, { cause: err, retryable: true });
  }
  if (e.name === 'TimeoutError' || /socket hang up/i.test(e.message ?? '')) {
    return new StorageError(`${fail}: ${e.name === 'TimeoutError' ? describeTimeout(e.message) : 'socket hang up'} talking to ${ctx.endpoint}`, {
      cause: err,
      retryable: true,
    });
  }
  if (netCode !== undefined && TLS_CODE.test(netCode)) {
    // Never retried: a certificate does not become valid a moment later.
    return new StorageError(
      `${fail}: the TLS certificate of ${ctx.endpoint} was not accepted (${e.message ?? netCode}; ${netCode}). ` +
        'lfs-lazy always verifies certificates: give the endpoint a certificate from a trusted CA, or trust a private CA with NODE_EXTRA_CA_CERTS=/path/to/ca.pem',
      { cause: err, retryable: false, code: ErrorCode.Config },
    );
  }
  const detail = status !== undefined ? `HTTP ${status} ${code ?? ''}`.trimEnd() : (netCode ?? e.name ?? 'error');
  const message = e.message && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  // A 4xx is the server's final word on this request: git-lfs shows that status, not a 503.
  const wire = status !== undefined && status >= 400 && status < 500 ? ErrorCode.BadRequest : ErrorCode.StoreFailed;
  return new StorageError(`${fail}: ${detail}${message}`, { cause: err, retryable: false, code: wire });
}
