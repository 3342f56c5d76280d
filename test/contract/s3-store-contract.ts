// What S3Store must do against any S3 server, run against s3rver (s3-store.test.ts) and against
// Ceph's radosgw (radosgw.test.ts): the ObjectStore contract plus what only an S3 store has —
// multipart uploads and their abort, a PUT broken off on the wire, refused credentials, and the
// permanent errors (a missing bucket, a wrong endpoint, a refused streamed upload) that git-lfs
// must see as permanent. Cases the emulator gets wrong say so (KnownWrong) and run on radosgw.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { GetObjectCommand, ListMultipartUploadsCommand, S3Client } from '@aws-sdk/client-s3';
import { AccessDeniedError, ErrorCode, StorageError } from '../../src/errors/index.js';
import { S3Store, type S3StoreOptions } from '../../src/store/s3-store.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { CaseCounter, randomObject, readAll, runObjectStoreContract, sha256, type ContractCase, type KnownWrong } from './object-store-contract.js';

const MiB = 1024 * 1024;

export interface S3Target {
  // "s3rver", "radosgw"
  name: string;
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const noRetries = { retryPolicy: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } };

// `getTarget` is called only once the suites' before() hooks have run (the server starts there);
// `knownWrong` is needed earlier, when the tests are registered.
export function runS3StoreContract(label: string, knownWrong: KnownWrong, getTarget: () => S3Target): void {
  // A prefix per run: a shared gateway or bucket never mixes two runs' objects.
  const prefix = `contract-${randomBytes(4).toString('hex')}`;
  const makeStore = (extra: Partial<S3StoreOptions> = {}): S3Store => {
    const target = getTarget();
    return new S3Store({ bucket: target.bucket, prefix, endpoint: target.endpoint, forcePathStyle: true, region: 'us-east-1', ...extra });
  };
  runObjectStoreContract(`S3Store on ${label}`, async () => ({ store: makeStore(), cleanup: async () => {} }), knownWrong);

  describe(`S3Store contract on ${label}`, () => {
    let scratch: string;
    let proxy: FaultProxy | undefined;
    before(async () => {
      scratch = await mkdtemp(join(tmpdir(), 'lfs-lazy-s3c-'));
    });
    after(async () => {
      await proxy?.close();
      await rm(scratch, { recursive: true, force: true });
      cases.report();
    });
    const cases = new CaseCounter(`S3Store contract on ${label}`, knownWrong);
    const it = (title: string, fn: () => Promise<void>, kase?: ContractCase): void => cases.it(title, kase, fn);

    const fixture = (size: number) => randomObject(scratch, size);
    const rawClient = (secret?: string): S3Client => {
      const target = getTarget();
      return new S3Client({
        endpoint: target.endpoint, forcePathStyle: true, region: 'us-east-1', requestChecksumCalculation: 'WHEN_REQUIRED',
        credentials: { accessKeyId: target.accessKeyId, secretAccessKey: secret ?? target.secretAccessKey },
      });
    };

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
      const { oid, data, path } = await fixture(12 * MiB + 5);
      const progress: number[] = [];
      try {
        await store.put(oid, data.length, path, { onProgress: (n) => progress.push(n) });
        assert.equal(commands.filter((c) => c === 'UploadPartCommand').length, 3);
        assert.ok(commands.includes('CompleteMultipartUploadCommand'));
        assert.equal(progress.at(-1), data.length);
        assert.equal(sha256(await readAll(await store.get(oid))), oid);
      } finally {
        store.close();
      }
    });

    it('a multipart upload cancelled after its first part is aborted: no upload and no object left', async () => {
      const store = makeStore({ multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, queueSize: 1 });
      const commands: string[] = [];
      store.client.middlewareStack.add(
        (next, context) => async (args) => {
          const out = await next(args);
          commands.push(String(context.commandName));
          return out;
        },
        { step: 'initialize' },
      );
      const { oid, data, path } = await fixture(16 * MiB);
      const cancel = new AbortController();
      const client = rawClient();
      try {
        await assert.rejects(
          store.put(oid, data.length, path, { signal: cancel.signal, onProgress: (n) => n > 0 && cancel.abort() }),
          (err: Error) => err.name === 'AbortError' || /abort/i.test(err.message),
        );
        assert.ok(commands.includes('UploadPartCommand'), 'the cancel came after a part was uploaded');
        assert.ok(commands.includes('AbortMultipartUploadCommand'), `the upload was aborted (commands: ${commands.join(', ')})`);
        const key = store.locate(oid).replace(`s3://${getTarget().bucket}/`, '');
        const open = await client.send(new ListMultipartUploadsCommand({ Bucket: getTarget().bucket, Prefix: key }));
        assert.deepEqual(open.Uploads ?? [], [], 'an aborted upload is gone, parts and all');
        assert.equal(await store.stat(oid), undefined);
      } finally {
        store.close();
        client.destroy();
      }
    }, 'multipartAbort');

    it('a PUT broken off mid-body leaves nothing under the key', async () => {
      proxy ??= await startFaultProxy(getTarget().endpoint);
      const broken = makeStore({ endpoint: proxy.endpoint, maxAttempts: 1, ...noRetries });
      const direct = makeStore();
      const { oid, data, path } = await fixture(3 * MiB);
      try {
        await proxy.setFault({ method: 'PUT', path: oid, action: { kind: 'reset', direction: 'request', afterBytes: MiB } });
        await assert.rejects(broken.put(oid, data.length, path), StorageError);
        assert.equal(proxy.count({ method: 'PUT', path: oid, faulted: true }), 1, 'the fault fired');
        assert.equal(await direct.stat(oid), undefined, 'the server kept part of a broken PUT');
      } finally {
        await proxy.clearFault();
        broken.close();
        direct.close();
      }
    }, 'interruptedPut');

    it('a wrong secret is refused: "the credentials were refused", for get, stat and put, no secret shown', async () => {
      const target = getTarget();
      const { oid, data, path } = await fixture(10);
      const store = makeStore({ ...noRetries, maxAttempts: 1 });
      await store.put(oid, data.length, path);
      store.close();
      const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
      process.env['AWS_ACCESS_KEY_ID'] = target.accessKeyId;
      process.env['AWS_SECRET_ACCESS_KEY'] = 'wrong-secret-0123456789';
      const wrong = makeStore({ ...noRetries, maxAttempts: 1 });
      try {
        for (const op of [() => wrong.get(oid), () => wrong.stat(oid), () => wrong.put(oid, data.length, path)]) {
          await assert.rejects(op(), (err: unknown) => {
            assert.ok(err instanceof AccessDeniedError, `got ${String(err)}`);
            assert.match(err.message, /the credentials were refused by .* for bucket/);
            assert.doesNotMatch(err.message, new RegExp(`wrong-secret|${target.secretAccessKey}`));
            return true;
          });
        }
      } finally {
        process.env['AWS_ACCESS_KEY_ID'] = saved.id;
        process.env['AWS_SECRET_ACCESS_KEY'] = saved.secret;
        wrong.close();
      }
    }, 'wrongSecret');

    it('a streamed PUT with the SDK default checksums is refused for good (411) naming lfs-lazy.checksum', async () => {
      const store = makeStore({ checksum: 'when_supported', ...noRetries, maxAttempts: 1 });
      const { oid, data, path } = await fixture(MiB + 7);
      try {
        await assert.rejects(store.put(oid, data.length, path), (err: unknown) => {
          assert.ok(err instanceof StorageError, `got ${String(err)}`);
          assert.equal(err.retryable, false);
          assert.equal(err.code, ErrorCode.LengthRequired);
          assert.match(err.message, /MissingContentLength.*lfs-lazy\.checksum = when_required/);
          return true;
        });
        assert.equal(await makeStore().stat(oid), undefined);
      } finally {
        store.close();
      }
    }, 'streamedChunkedPut');

    it('a missing bucket is a permanent 404 for get and put, naming the bucket', async () => {
      const store = makeStore({ bucket: 'no-such-bucket-lfs-lazy', ...noRetries, maxAttempts: 1 });
      const { oid, data, path } = await fixture(10);
      try {
        for (const op of [() => store.get(oid), () => store.put(oid, data.length, path)]) {
          await assert.rejects(op(), (err: unknown) => {
            assert.ok(err instanceof StorageError, `got ${String(err)}`);
            assert.equal(err.retryable, false);
            assert.equal(err.code, ErrorCode.NotFound);
            assert.match(err.message, /bucket "no-such-bucket-lfs-lazy" does not exist/);
            return true;
          });
        }
        await assert.rejects(store.checkBucket(), (err: unknown) => err instanceof StorageError && !err.retryable && /no-such-bucket-lfs-lazy/.test(err.message));
      } finally {
        store.close();
      }
    });

    it('an https:// endpoint that speaks http is a permanent configuration error, not retried', async () => {
      const target = getTarget();
      const store = makeStore({ endpoint: target.endpoint.replace('http://', 'https://') });
      const started = Date.now();
      try {
        await assert.rejects(store.stat(sha256(Buffer.from('x'))), (err: unknown) => {
          assert.ok(err instanceof StorageError, `got ${String(err)}`);
          assert.equal(err.retryable, false);
          assert.equal(err.code, ErrorCode.Config);
          assert.match(err.message, /check the endpoint/);
          return true;
        });
        // With the default budget (5 attempts, up to 5 s pauses) a retried failure takes seconds.
        assert.ok(Date.now() - started < 1_500, `took ${Date.now() - started} ms: it was retried`);
      } finally {
        store.close();
      }
    });

    // ObjectStore has no suffix range (no caller needs one), so this asks the server itself, with
    // the SDK: what S3 specifies for every kind of Range, that the store's own ranges rest on.
    it('the server answers every kind of Range as S3 does (suffix, 0-0, past the end, empty object)', async () => {
      const store = makeStore();
      const client = rawClient();
      const { oid, data, path } = await fixture(100);
      const empty = await fixture(0);
      const ask = async (id: string, Range: string): Promise<{ status?: number; body?: Buffer; error?: string }> => {
        try {
          const Key = store.locate(id).replace(`s3://${getTarget().bucket}/`, '');
          const out = await client.send(new GetObjectCommand({ Bucket: getTarget().bucket, Key, Range }));
          return { status: out.$metadata.httpStatusCode!, body: Buffer.from(await out.Body!.transformToByteArray()) };
        } catch (err) {
          return { status: (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode!, error: (err as Error).name };
        }
      };
      try {
        await store.put(oid, data.length, path);
        await store.put(empty.oid, 0, empty.path);
        assert.deepEqual(await ask(oid, 'bytes=-5'), { status: 206, body: data.subarray(95) }, 'suffix');
        assert.deepEqual(await ask(oid, 'bytes=-500'), { status: 206, body: data }, 'suffix longer than the object');
        assert.deepEqual(await ask(oid, 'bytes=0-0'), { status: 206, body: data.subarray(0, 1) }, '0-0');
        assert.deepEqual(await ask(oid, 'bytes=90-1000'), { status: 206, body: data.subarray(90) }, 'past the end');
        assert.deepEqual(await ask(oid, 'bytes=100-'), { status: 416, error: 'InvalidRange' }, 'starting at the end');
        assert.deepEqual(await ask(empty.oid, 'bytes=-5'), { status: 416, error: 'InvalidRange' }, 'suffix of an empty object');
        assert.deepEqual(await ask(empty.oid, 'bytes=0-'), { status: 416, error: 'InvalidRange' }, 'range of an empty object');
      } finally {
        store.close();
        client.destroy();
      }
    }, 'rangeSuffix');

    it('the stored object is what a plain S3 GET returns (no framing, no re-encoding)', async () => {
      const store = makeStore();
      const client = rawClient();
      const { oid, data, path } = await fixture(2 * MiB + 3);
      try {
        await store.put(oid, data.length, path);
        const key = store.locate(oid).replace(`s3://${getTarget().bucket}/`, '');
        const out = await client.send(new GetObjectCommand({ Bucket: getTarget().bucket, Key: key }));
        assert.equal(sha256(Buffer.from(await out.Body!.transformToByteArray())), oid);
      } finally {
        store.close();
        client.destroy();
      }
    });
  });
}
