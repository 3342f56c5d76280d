import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccessDeniedError, InvalidOidError, ObjectNotFoundError, StorageError } from '../../src/errors/index.js';
import { multipartPartSize } from '../../src/store/s3-multipart.js';
import { S3Store, type S3StoreOptions } from '../../src/store/s3-store.js';
import { toStoreError } from '../../src/store/s3-errors.js';
import { S3RVER_KNOWN_WRONG, startS3rver, testS3Env, type S3rverHandle } from '../helpers/s3rver.js';
import { sha256 } from './object-store-contract.js';
import { runS3StoreContract } from './s3-store-contract.js';

const MiB = 1024 * 1024;
let server: S3rverHandle;

before(async () => {
  server = await startS3rver();
  Object.assign(process.env, testS3Env(server.endpoint));
});
after(() => server?.stop());

function makeStore(extra: Partial<S3StoreOptions> = {}): S3Store {
  return new S3Store({ bucket: server.bucket, prefix: 'contract/run', endpoint: server.endpoint, forcePathStyle: true, ...extra });
}

runS3StoreContract('s3rver', S3RVER_KNOWN_WRONG, () => ({
  name: 's3rver', endpoint: server.endpoint, bucket: server.bucket, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER',
}));

describe('S3Store on s3rver', () => {
  let scratch: string;
  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'lfs-lazy-s3-'));
  });
  after(() => rm(scratch, { recursive: true, force: true }));

  it('names keys <prefix>/<ab>/<cd>/<oid> and refuses invalid oids in locate', () => {
    const store = makeStore({ prefix: '/team/repo/' });
    const oid = 'ab'.repeat(32);
    assert.equal(store.url, `s3://${server.bucket}/team/repo`);
    assert.equal(store.locate(oid), `s3://${server.bucket}/team/repo/ab/ab/${oid}`);
    assert.throws(() => store.locate('../x'), InvalidOidError);
    store.close();
  });

  it('an unknown access key id gives AccessDeniedError on get and stat, without secrets', async () => {
    const saved = process.env['AWS_ACCESS_KEY_ID'];
    process.env['AWS_ACCESS_KEY_ID'] = 'UNKNOWNKEY';
    // Credentials are resolved on the first request, so the env must stay changed until then.
    const store = makeStore({ retryPolicy: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
    try {
      const oid = sha256(Buffer.from('x'));
      for (const op of [() => store.get(oid), () => store.stat(oid)]) {
        await assert.rejects(op(), (err: unknown) => {
          assert.ok(err instanceof AccessDeniedError, `got ${String(err)}`);
          assert.match(err.message, new RegExp(`bucket ${server.bucket}`));
          assert.match(err.message, /AWS_PROFILE/);
          assert.doesNotMatch(err.message, /S3RVER|UNKNOWNKEY/);
          return true;
        });
      }
    } finally {
      process.env['AWS_ACCESS_KEY_ID'] = saved;
      store.close();
    }
  });

  it('a stopped server gives a retryable StorageError naming the endpoint, quickly', async () => {
    const dead = await startS3rver();
    await dead.stop();
    const store = new S3Store({
      bucket: dead.bucket, prefix: '', endpoint: dead.endpoint, forcePathStyle: true,
      maxAttempts: 1, retryPolicy: { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 },
    });
    const started = Date.now();
    try {
      await assert.rejects(store.stat('0'.repeat(64)), (err: unknown) => {
        assert.ok(err instanceof StorageError, `got ${String(err)}`);
        assert.equal(err.retryable, true);
        assert.match(err.message, new RegExp(`ECONNREFUSED.*${dead.endpoint}`));
        return true;
      });
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
    } finally {
      store.close();
    }
  });

  it('checkBucket passes for the bucket and names a missing one', async () => {
    const store = makeStore();
    await store.checkBucket();
    const missing = makeStore({ bucket: 'no-such-bucket' });
    await assert.rejects(missing.checkBucket(), (err: unknown) => {
      assert.ok(err instanceof StorageError && !err.retryable, `got ${String(err)}`);
      assert.match(err.message, /no-such-bucket/);
      return true;
    });
    store.close();
    missing.close();
  });
});

describe('toStoreError', () => {
  const ctx = { operation: 'get', location: 's3://b/k', oid: 'a'.repeat(64), bucket: 'b', endpoint: 'http://127.0.0.1:9' };
  const sdk = (name: string, status?: number, extra: object = {}): object =>
    Object.assign(new Error(name === 'NotFound' ? 'UnknownError' : `${name} message`), { name, ...(status ? { $metadata: { httpStatusCode: status } } : {}), ...extra });

  const table: Array<[string, object, (e: Error) => boolean]> = [
    ['GET NoSuchKey', sdk('NoSuchKey', 404, { Code: 'NoSuchKey' }), (e) => e instanceof ObjectNotFoundError],
    ['HEAD 404 without Code', sdk('NotFound', 404), (e) => e instanceof ObjectNotFoundError],
    ['HEAD 403 Unknown', sdk('Unknown', 403), (e) => e instanceof AccessDeniedError && /HTTP 403/.test(e.message)],
    ['ExpiredToken', sdk('ExpiredToken', 400), (e) => e instanceof AccessDeniedError],
    ['NoSuchBucket', sdk('NoSuchBucket', 404, { Code: 'NoSuchBucket' }), (e) => e instanceof StorageError && !e.retryable && /"b"/.test(e.message)],
    ['503 SlowDown', sdk('SlowDown', 503), (e) => e instanceof StorageError && e.retryable && /HTTP 503 SlowDown/.test(e.message)],
    ['ECONNRESET', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), (e) => e instanceof StorageError && e.retryable],
    ['TimeoutError', Object.assign(new Error('slow'), { name: 'TimeoutError' }), (e) => e instanceof StorageError && e.retryable],
    ['416 InvalidRange', sdk('InvalidRange', 416), (e) => e instanceof StorageError && !e.retryable && e.code === 416 && /InvalidRange/.test(e.message)],
    ['NoSuchBucket is a permanent 404', sdk('NoSuchBucket', 404, { Code: 'NoSuchBucket' }), (e) => e instanceof StorageError && !e.retryable && e.code === 404],
    ['411 MissingContentLength names the checksum setting', sdk('MissingContentLength', 411, { Code: 'MissingContentLength' }), (e) => e instanceof StorageError && !e.retryable && e.code === 411 && /lfs-lazy\.checksum = when_required/.test(e.message)],
    ['411 without a code (HEAD-like)', sdk('Unknown', 411), (e) => e instanceof StorageError && !e.retryable && e.code === 411],
    ['400 InvalidArgument is permanent 400', sdk('InvalidArgument', 400, { Code: 'InvalidArgument' }), (e) => e instanceof StorageError && !e.retryable && e.code === 400 && /HTTP 400 InvalidArgument/.test(e.message)],
    ['400 without a code is permanent 400', sdk('Unknown', 400), (e) => e instanceof StorageError && !e.retryable && e.code === 400],
    ['ENOTFOUND is a permanent configuration error', Object.assign(new Error('getaddrinfo ENOTFOUND s3.example.invalid'), { code: 'ENOTFOUND' }), (e) => e instanceof StorageError && !e.retryable && e.code === 78 && /does not resolve/.test(e.message)],
    ['EPROTO (https:// to an http server) is a permanent configuration error', Object.assign(new Error('wrong version number'), { code: 'EPROTO' }), (e) => e instanceof StorageError && !e.retryable && e.code === 78],
    ['a permanent error without a status is 502, never 503', Object.assign(new Error('odd'), { name: 'Weird' }), (e) => e instanceof StorageError && !e.retryable && e.code === 502],
    ['ECONNREFUSED stays retryable 503 (a server can come back)', Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), (e) => e instanceof StorageError && e.retryable && e.code === 503],
  ];
  for (const [label, input, check] of table) {
    it(label, () => {
      const mapped = toStoreError(input, ctx);
      assert.ok(check(mapped), `${label} → ${mapped.name}: ${mapped.message}`);
    });
  }

  it('keeps part counts under 10,000 for huge objects', () => {
    assert.equal(multipartPartSize(100 * MiB, 16 * MiB), 16 * MiB);
    const size = 200 * 1024 * MiB;
    assert.ok(size / multipartPartSize(size, 16 * MiB) <= 10_000);
    assert.equal(multipartPartSize(size, 16 * MiB) % MiB, 0);
  });
});
