// S3Store against s3rver through the fault-injecting proxy: every fault either ends in success with
// the right bytes (after retries) or in a one-line error naming the object and the cause, within
// the configured time-outs; the same operation then succeeds without the fault, and nothing
// partial is left in the bucket.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { environmentLayer, resolveSettings, type ConfigLayer } from '../../src/config/settings.js';
import { AccessDeniedError, ConfigError, IntegrityError, ObjectNotFoundError, StorageError } from '../../src/errors/index.js';
import { S3Store } from '../../src/store/s3-store.js';
import { downloadVerified } from '../../src/local/verified-download.js';
import { readAll, sha256 } from '../contract/object-store-contract.js';
import { startFaultProxy, type FaultProxy, type FaultRule } from '../helpers/fault-proxy.js';
import { startS3rver, testS3Env, type S3rverHandle } from '../helpers/s3rver.js';

const MiB = 1024 * 1024;
const MAX_ATTEMPTS = 3;
const IDLE_MS = 1_000;
// Per attempt: the idle time-out plus backoff (the SDK waits up to 1 s × 2^n after a SlowDown).
const BOUND_MS = MAX_ATTEMPTS * (IDLE_MS + 2_000);
const TEST = { timeout: 30_000 };

let server: S3rverHandle;
let proxy: FaultProxy;
let scratch: string;
let store: S3Store; // through the proxy
let direct: S3Store; // straight to s3rver, to set up and inspect

before(async () => {
  server = await startS3rver();
  Object.assign(process.env, testS3Env(server.endpoint));
  proxy = await startFaultProxy(server.endpoint);
  scratch = await mkdtemp(join(tmpdir(), 'lfs-lazy-faults-'));
  const common = { bucket: server.bucket, prefix: 'faults', forcePathStyle: true, multipartThresholdBytes: 5 * MiB, partSizeBytes: 5 * MiB, queueSize: 2 };
  store = new S3Store({
    ...common,
    endpoint: proxy.endpoint,
    maxAttempts: MAX_ATTEMPTS,
    connectTimeoutMs: IDLE_MS,
    idleTimeoutMs: IDLE_MS,
    retryPolicy: { attempts: MAX_ATTEMPTS, baseDelayMs: 20, maxDelayMs: 100 },
  });
  direct = new S3Store({ ...common, endpoint: server.endpoint });
});
after(async () => {
  store?.close();
  direct?.close();
  await proxy?.close();
  await server?.stop();
  await rm(scratch, { recursive: true, force: true });
});
afterEach(() => proxy.clearFault());

async function object(size: number): Promise<{ oid: string; data: Buffer; path: string }> {
  const data = randomBytes(size);
  const oid = sha256(data);
  const path = join(scratch, oid);
  await writeFile(path, data);
  return { oid, data, path };
}

async function stored(size: number): Promise<{ oid: string; data: Buffer; path: string }> {
  const o = await object(size);
  await direct.put(o.oid, o.data.length, o.path);
  return o;
}

// Runs `operation` under `rule` and checks the failure: the right type, one line naming the oid
// and the cause, within the time bound.
async function failsWith(rule: FaultRule, operation: () => Promise<unknown>, oid: string, type: Function, cause: RegExp): Promise<void> {
  await proxy.setFault(rule);
  const started = Date.now();
  await assert.rejects(operation(), (err: unknown) => {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    const { message } = err as Error;
    assert.ok(!message.includes('\n'), `not one line: ${message}`);
    assert.match(message, new RegExp(oid));
    assert.match(message, cause);
    return true;
  });
  const elapsed = Date.now() - started;
  assert.ok(elapsed < BOUND_MS, `took ${elapsed} ms, more than ${BOUND_MS}`);
  await proxy.clearFault();
}

const getBytes = async (oid: string): Promise<Buffer> => readAll(await store.get(oid));

describe('S3Store stat under faults', () => {
  it('retries 503 SlowDown and succeeds', TEST, async () => {
    const { oid } = await stored(1000);
    await proxy.setFault({ method: 'HEAD', times: 2, action: { kind: 'status', status: 503 } });
    assert.deepEqual(await store.stat(oid), { size: 1000 });
    assert.equal(proxy.count({ method: 'HEAD' }), 3);
  });

  it('retries dropped connections and succeeds', TEST, async () => {
    const { oid } = await stored(10);
    await proxy.setFault({ method: 'HEAD', times: 2, action: { kind: 'drop' } });
    assert.deepEqual(await store.stat(oid), { size: 10 });
  });

  it('gives up on a persistent 500 after maxAttempts, then succeeds', TEST, async () => {
    const { oid } = await stored(10);
    await failsWith({ method: 'HEAD', action: { kind: 'status', status: 500 } }, () => store.stat(oid), oid, StorageError, /after 3 attempts: HTTP 500/);
    assert.deepEqual(await store.stat(oid), { size: 10 });
  });

  it('does not retry 403 and says the credentials were refused', TEST, async () => {
    const { oid } = await stored(10);
    await failsWith({ method: 'HEAD', action: { kind: 'status', status: 403 } }, () => store.stat(oid), oid, AccessDeniedError, /credentials were refused/);
    assert.equal(proxy.count({ method: 'HEAD' }), 1);
    assert.deepEqual(await store.stat(oid), { size: 10 });
  });

  it('names the endpoint when connections are refused, then succeeds', TEST, async () => {
    const { oid } = await stored(10);
    await failsWith({ action: { kind: 'refuse' } }, () => store.stat(oid), oid, StorageError, new RegExp(`ECONNREFUSED.*${proxy.endpoint}`));
    assert.deepEqual(await store.stat(oid), { size: 10 });
  });

  it('times out a server that never answers', TEST, async () => {
    const { oid } = await stored(10);
    await failsWith({ method: 'HEAD', action: { kind: 'stall' } }, () => store.stat(oid), oid, StorageError, /no data for 1000 ms \(idleTimeoutMs\)/);
    assert.deepEqual(await store.stat(oid), { size: 10 });
  });
});

describe('S3Store get under faults', () => {
  it('resumes a body reset mid-way with a Range request, byte for byte', TEST, async () => {
    const { oid, data } = await stored(MiB);
    await proxy.setFault({ method: 'GET', times: 2, action: { kind: 'reset', afterBytes: 200_000 } });
    assert.ok((await getBytes(oid)).equals(data));
    const ranges = proxy.seen.filter((r) => r.method === 'GET').map((r) => r.range);
    assert.equal(ranges.length, 3);
    assert.equal(ranges[0], undefined);
    assert.match(ranges[2] ?? '', /^bytes=\d+-$/, 'the last request continues where the data stopped');
  });

  it('resumes a truncated body (short of its Content-Length)', TEST, async () => {
    const { oid, data } = await stored(MiB);
    await proxy.setFault({ method: 'GET', times: 1, action: { kind: 'truncate', bytes: 300_000 } });
    assert.ok((await getBytes(oid)).equals(data));
  });

  it('resumes a body that stalls mid-way after the idle time-out', TEST, async () => {
    const { oid, data } = await stored(MiB);
    await proxy.setFault({ method: 'GET', times: 1, action: { kind: 'stall', afterBytes: 100_000 } });
    const started = Date.now();
    assert.ok((await getBytes(oid)).equals(data));
    assert.ok(Date.now() - started >= IDLE_MS - 50);
  });

  it('a reader that goes away during a stall releases the request and never resumes', TEST, async () => {
    const { oid } = await stored(MiB);
    await proxy.setFault({ method: 'GET', action: { kind: 'stall', afterBytes: 100_000 } });
    const body = await store.get(oid);
    let received = 0;
    body.on('data', (chunk: Buffer) => (received += chunk.length));
    // Read up to the stall, so that the store is waiting on the socket when the reader leaves.
    while (received < 100_000) await sleep(20);
    body.destroy();
    await sleep(IDLE_MS + 500);
    assert.equal(proxy.count({ method: 'GET' }), 1);
  });

  it('retries 503 SlowDown before the body', TEST, async () => {
    const { oid, data } = await stored(1000);
    await proxy.setFault({ method: 'GET', times: 2, action: { kind: 'status', status: 503 } });
    assert.ok((await getBytes(oid)).equals(data));
  });

  it('gives up on resets that keep coming, naming the object, and downloadVerified leaves no file', TEST, async () => {
    const { oid, data } = await stored(MiB);
    const tempDir = join(scratch, 'dl-reset');
    const download = (): Promise<string> => downloadVerified({ store, oid, size: data.length, tempDir });
    await failsWith({ method: 'GET', action: { kind: 'reset', afterBytes: 100_000 } }, download, oid, StorageError, /after 3 attempts: connection reset/);
    assert.equal(proxy.count({ method: 'GET' }), MAX_ATTEMPTS, 'no retry layer multiplies the attempts');
    assert.deepEqual(await readdir(tempDir), []);
    await rm(await download());
  });

  it('times out a GET that is never answered, then succeeds', TEST, async () => {
    const { oid, data } = await stored(1000);
    await failsWith({ method: 'GET', action: { kind: 'stall' } }, () => getBytes(oid), oid, StorageError, /idleTimeoutMs/);
    assert.ok((await getBytes(oid)).equals(data));
  });

  it('does not retry 404 or 403', TEST, async () => {
    const { oid, data } = await stored(1000);
    await failsWith({ method: 'GET', action: { kind: 'status', status: 404 } }, () => getBytes(oid), oid, ObjectNotFoundError, /missing from s3:\/\//);
    await failsWith({ method: 'GET', action: { kind: 'status', status: 403 } }, () => getBytes(oid), oid, AccessDeniedError, /credentials were refused/);
    assert.equal(proxy.count({ method: 'GET' }), 1);
    assert.ok((await getBytes(oid)).equals(data));
  });

  it('a flipped byte fails verification naming the oid and leaves no file behind', TEST, async () => {
    const { oid, data } = await stored(100_000);
    const tempDir = join(scratch, 'dl-flip');
    const download = (): Promise<string> => downloadVerified({ store, oid, size: data.length, tempDir });
    await failsWith({ method: 'GET', action: { kind: 'flip', offset: 50_000 } }, download, oid, IntegrityError, /hash mismatch/);
    assert.deepEqual(await readdir(tempDir), []);
    await rm(await download());
  });
});

describe('S3Store put under faults', () => {
  it('retries 503 SlowDown on a streamed PUT (which the SDK cannot retry itself)', TEST, async () => {
    const { oid, data, path } = await object(1000);
    await proxy.setFault({ method: 'PUT', times: 2, action: { kind: 'status', status: 503 } });
    await store.put(oid, data.length, path);
    assert.equal(proxy.count({ method: 'PUT' }), 3);
    assert.ok((await readAll(await direct.get(oid))).equals(data));
  });

  it('retries an upload cut off mid-body and stores the whole object', TEST, async () => {
    const { oid, data, path } = await object(MiB);
    await proxy.setFault({ method: 'PUT', times: 1, action: { kind: 'reset', afterBytes: 300_000, direction: 'request' } });
    await store.put(oid, data.length, path);
    assert.ok((await readAll(await direct.get(oid))).equals(data));
  });

  it('an upload cut off every time fails naming the object; nothing whole-sized is left; the next put stores it', TEST, async () => {
    const { oid, data, path } = await object(MiB);
    const put = (): Promise<void> => store.put(oid, data.length, path);
    await failsWith({ method: 'PUT', action: { kind: 'reset', afterBytes: 300_000, direction: 'request' } }, put, oid, StorageError, /connection reset/);
    assert.equal(proxy.count({ method: 'PUT', faulted: true }), MAX_ATTEMPTS, 'every attempt was cut off');
    // s3rver keeps what arrived of a broken PUT (S3 and radosgw keep nothing: the store contract's
    // "a PUT broken off mid-body" on radosgw). Never the object's size, so the agent's
    // already-stored check (same size) cannot take it for the object, and every download checks the hash.
    assert.notEqual((await direct.stat(oid))?.size, data.length);
    await put();
    assert.ok((await readAll(await direct.get(oid))).equals(data));
  });

  it('does not retry 403 and stores nothing', TEST, async () => {
    const { oid, data, path } = await object(1000);
    const put = (): Promise<void> => store.put(oid, data.length, path);
    await failsWith({ method: 'PUT', action: { kind: 'status', status: 403 } }, put, oid, AccessDeniedError, /credentials were refused/);
    assert.equal(proxy.count({ method: 'PUT' }), 1);
    assert.equal(await direct.stat(oid), undefined);
    await put();
    assert.deepEqual(await direct.stat(oid), { size: 1000 });
  });

  it('a PUT that is never answered times out and is retried', TEST, async () => {
    const { oid, data, path } = await object(1000);
    await proxy.setFault({ method: 'PUT', times: 1, action: { kind: 'stall' } });
    await store.put(oid, data.length, path);
    assert.deepEqual(await direct.stat(oid), { size: 1000 });
  });
});

describe('S3Store multipart put under faults', () => {
  const SIZE = 11 * MiB; // 3 parts of 5 MiB

  it('retries failed parts and completes byte for byte', TEST, async () => {
    const { oid, data, path } = await object(SIZE);
    await proxy.setFault({ method: 'PUT', path: 'partNumber=', times: 2, action: { kind: 'status', status: 503 } });
    await store.put(oid, data.length, path);
    assert.ok(proxy.count({ method: 'PUT', path: 'partNumber=' }) >= 5);
    assert.equal(sha256(await readAll(await direct.get(oid))), oid);
  });

  it('a part cut off mid-body is sent again', TEST, async () => {
    const { oid, data, path } = await object(SIZE);
    await proxy.setFault({ method: 'PUT', path: 'partNumber=2', times: 1, action: { kind: 'reset', afterBytes: MiB, direction: 'request' } });
    await store.put(oid, data.length, path);
    assert.equal(sha256(await readAll(await direct.get(oid))), oid);
  });

  it('a refused part aborts the upload and reports the 403, not the failed abort', TEST, async () => {
    const { oid, data, path } = await object(SIZE);
    const put = (): Promise<void> => store.put(oid, data.length, path);
    await failsWith({ method: 'PUT', path: 'partNumber=', action: { kind: 'status', status: 403 } }, put, oid, AccessDeniedError, /credentials were refused/);
    // AbortMultipartUpload is a DELETE ?uploadId=…; s3rver answers it 405.
    assert.ok(proxy.count({ method: 'DELETE', path: 'uploadId=' }) >= 1, 'the multipart upload was aborted');
    assert.equal(await direct.stat(oid), undefined);
    await put();
    assert.equal(sha256(await readAll(await direct.get(oid))), oid);
  });

  it('a failing CompleteMultipartUpload aborts the upload and names the object', TEST, async () => {
    const { oid, data, path } = await object(SIZE);
    const put = (): Promise<void> => store.put(oid, data.length, path);
    await failsWith({ method: 'POST', path: 'uploadId=', action: { kind: 'status', status: 500 } }, put, oid, StorageError, /HTTP 500/);
    assert.ok(proxy.count({ method: 'DELETE', path: 'uploadId=' }) >= 1, 'the multipart upload was aborted');
    assert.equal(await direct.stat(oid), undefined);
    await put();
    assert.equal(sha256(await readAll(await direct.get(oid))), oid);
  });
});

describe('S3Store delete under faults', () => {
  it('retries 503 and deletes', TEST, async () => {
    const { oid } = await stored(10);
    await proxy.setFault({ method: 'DELETE', times: 2, action: { kind: 'status', status: 503 } });
    await store.delete(oid);
    assert.equal(await direct.stat(oid), undefined);
  });

  it('403 fails naming the object and leaves it in place', TEST, async () => {
    const { oid } = await stored(10);
    await failsWith({ method: 'DELETE', action: { kind: 'status', status: 403 } }, () => store.delete(oid), oid, AccessDeniedError, /credentials were refused/);
    assert.deepEqual(await direct.stat(oid), { size: 10 });
    await store.delete(oid);
    assert.equal(await direct.stat(oid), undefined);
  });

  it('times out a DELETE that is never answered, then deletes', TEST, async () => {
    const { oid } = await stored(10);
    await failsWith({ method: 'DELETE', action: { kind: 'stall' } }, () => store.delete(oid), oid, StorageError, /idleTimeoutMs/);
    await store.delete(oid);
    assert.equal(await direct.stat(oid), undefined);
  });
});

describe('retry and time-out settings', () => {
  it('come from any layer as whole numbers', () => {
    const env = { LFS_LAZY_MAX_ATTEMPTS: '2', LFS_LAZY_CONNECT_TIMEOUT_MS: '1500', LFS_LAZY_IDLE_TIMEOUT_MS: '2500' };
    const committed: ConfigLayer = { source: '.lfslazyconfig (HEAD)', values: new Map([['maxattempts', '7'], ['idletimeoutms', '90000']]) };
    assert.deepEqual(resolveSettings([committed]).settings, { maxAttempts: 7, idleTimeoutMs: 90_000 });
    assert.deepEqual(resolveSettings([committed, ...environmentLayer(env)]).settings, { maxAttempts: 2, connectTimeoutMs: 1500, idleTimeoutMs: 2500 });
  });

  for (const [key, raw] of [['maxattempts', '0'], ['maxattempts', '1.5'], ['idletimeoutms', '0'], ['connecttimeoutms', '5s'], ['idletimeoutms', '-1']] as const) {
    it(`refuses ${key} = ${raw}`, () => {
      const layer: ConfigLayer = { source: 'git config', values: new Map([[key, raw]]) };
      assert.throws(() => resolveSettings([layer]), (err: unknown) => err instanceof ConfigError && err.message.includes(`lfs-lazy.${key}`) && /whole number/.test(err.message));
    });
  }
});
