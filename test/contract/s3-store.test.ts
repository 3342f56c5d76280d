import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AccessDeniedError, InvalidOidError, ObjectNotFoundError, StorageError } from '../../src/errors/index.js';
import { multipartPartSize } from '../../src/store/s3-multipart.js';
import { S3Store, type S3StoreOptions } from '../../src/store/s3-store.js';
import { toStoreError } from '../../src/store/s3-errors.js';
import { startS3rver, testS3Env, type S3rverHandle } from '../helpers/s3rver.js';
import { readAll, runObjectStoreContract, sha256 } from './object-store-contract.js';

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

runObjectStoreContract('S3Store on s3rver', async () => ({ store: makeStore(), cleanup: async () => {} }));

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

  it('uploads a file over the threshold as a multipart upload, byte for byte', async () => {
    const store = makeStore({ multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, queueSize: 2 });
    const commands: string[] = [];
    store.client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize' },
    );
    const data = randomBytes(12 * MiB + 5);
    const oid = sha256(data);
    const path = join(scratch, oid);
    await writeFile(path, data);
    const progress: number[] = [];
    await store.put(oid, data.length, path, { onProgress: (n) => progress.push(n) });
    assert.equal(commands.filter((c) => c === 'UploadPartCommand').length, 3);
    assert.ok(commands.includes('CompleteMultipartUploadCommand'));
    assert.equal(progress.at(-1), data.length);
    assert.equal(sha256(await readAll(await store.get(oid))), oid);
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
    ['416 InvalidRange', sdk('InvalidRange', 416), (e) => e instanceof StorageError && !e.retryable && /InvalidRange/.test(e.message)],
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
