import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, sep } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AccessDeniedError, ConfigError, ErrorCode, StorageError } from '../../src/errors/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { MemoryStore } from '../../src/store/memory-store.js';
import type { GetOptions, ObjectStore, PutOptions } from '../../src/store/object-store.js';
import { runAgent } from '../../src/transfer/agent.js';
import { downloadVerified } from '../../src/local/verified-download.js';
import { machineTag } from '../../src/util/temp-files.js';

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');
const INIT_DOWNLOAD = { event: 'init', operation: 'download', remote: 'origin', concurrent: true, concurrenttransfers: 8 };
const INIT_UPLOAD = { ...INIT_DOWNLOAD, operation: 'upload' };

type Message = Record<string, unknown> & { event?: string; oid?: string; error?: { code: number; message: string } };

class CountingStore extends MemoryStore {
  puts = 0;
  gets = 0;
  override async put(oid: string, size: number, sourcePath: string, options?: PutOptions): Promise<void> {
    this.puts++;
    return super.put(oid, size, sourcePath, options);
  }
  override async get(oid: string, options?: GetOptions): Promise<Readable> {
    this.gets++;
    return super.get(oid, options);
  }
}

// Runs the agent over in-memory pipes, the way git-lfs drives it over stdin/stdout.
class Harness {
  readonly input = new PassThrough();
  readonly output = new PassThrough();
  readonly raw: string[] = [];
  readonly done: Promise<void>;
  private pending = '';
  private queue: string[] = [];
  private wake: (() => void) | undefined;

  constructor(options: { openStore: () => Promise<ObjectStore>; tempDir: string }) {
    this.output.setEncoding('utf8');
    this.output.on('data', (chunk: string) => {
      this.pending += chunk;
      const lines = this.pending.split('\n');
      this.pending = lines.pop() ?? '';
      this.raw.push(...lines);
      this.queue.push(...lines);
      this.wake?.();
    });
    this.done = runAgent({
      input: this.input,
      output: this.output,
      openStore: options.openStore,
      tempDirFor: async () => options.tempDir,
      logger: silentLogger,
    });
  }

  send(...messages: Array<object | string>): void {
    this.input.write(messages.map((m) => (typeof m === 'string' ? m : JSON.stringify(m)) + '\n').join(''));
  }

  async next(timeoutMs = 5_000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (this.queue.length === 0) {
      if (Date.now() > deadline) throw new Error(`no output line within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 20);
      });
    }
    return JSON.parse(this.queue.shift()!) as Message;
  }

  // Progress events up to and including the `complete` for `oid`.
  async transfer(oid: string): Promise<{ progress: Message[]; complete: Message }> {
    const progress: Message[] = [];
    for (;;) {
      const message = await this.next();
      assert.equal(message.oid, oid, `unexpected message ${JSON.stringify(message)}`);
      if (message.event === 'complete') return { progress, complete: message };
      assert.equal(message.event, 'progress');
      progress.push(message);
    }
  }

  async finished(timeoutMs = 5_000): Promise<void> {
    const timeout = sleep(timeoutMs, undefined, { ref: false }).then(() => Promise.reject(new Error('agent did not return')));
    await Promise.race([this.done, timeout]);
  }
}

let tempRoot: string;
let tempDir: string;
beforeEach(async () => {
  tempRoot = await mkdtemp(join(tmpdir(), 'lfs-lazy-agent-'));
  tempDir = join(tempRoot, 'lfs', 'tmp', 'agent'); // created by the download itself
});
afterEach(async () => {
  await rm(tempRoot, { recursive: true, force: true });
});

async function localObject(content: string | Buffer): Promise<{ oid: string; size: number; path: string }> {
  const data = Buffer.from(content);
  const oid = sha256(data);
  const path = join(tempRoot, oid);
  await writeFile(path, data);
  return { oid, size: data.length, path };
}

describe('runAgent', () => {
  it('uploads an object, then skips the PUT when the bucket already has it', async () => {
    const store = new CountingStore();
    const agent = new Harness({ openStore: async () => store, tempDir });
    const object = await localObject('{"sample-1": 3, "sample-2": 7}\n');
    agent.send(INIT_UPLOAD);
    assert.deepEqual(await agent.next(), {});

    agent.send({ event: 'upload', ...object, action: null });
    const first = await agent.transfer(object.oid);
    assert.deepEqual(first.complete, { event: 'complete', oid: object.oid });
    assert.equal(first.progress.at(-1)?.['bytesSoFar'], object.size);
    assert.deepEqual(store.objects.get(object.oid), await readFile(object.path));

    agent.send({ event: 'upload', ...object, action: null });
    const second = await agent.transfer(object.oid);
    assert.deepEqual(second.complete, { event: 'complete', oid: object.oid });
    assert.deepEqual(second.progress, [{ event: 'progress', oid: object.oid, bytesSoFar: object.size, bytesSinceLast: object.size }]);
    assert.equal(store.puts, 1);

    agent.send({ event: 'terminate' });
    await agent.finished();
  });

  it('reports a store failure as final: the store owns retries, the agent never repeats them', async () => {
    const store = new CountingStore();
    const put = store.put.bind(store);
    const failures = [new StorageError('put memory://… failed after 5 attempts: HTTP 503 SlowDown'), new AccessDeniedError('AccessDenied on the bucket; check the credentials')];
    store.put = async (...args: Parameters<MemoryStore['put']>) => {
      const failure = failures.shift();
      store.puts++;
      if (failure) throw failure;
      return put(...args);
    };
    const agent = new Harness({ openStore: async () => store, tempDir });
    const object = await localObject('retry me');
    agent.send(INIT_UPLOAD, { event: 'upload', ...object, action: null });
    await agent.next();
    const first = await agent.transfer(object.oid);
    assert.equal(first.complete.error?.code, ErrorCode.Unavailable, 'a transient failure the store gave up on is not retried again');
    assert.equal(store.puts, 1);
    agent.send({ event: 'upload', ...object, action: null });
    const second = await agent.transfer(object.oid);
    assert.equal(second.complete.error?.code, ErrorCode.AccessDenied);
    assert.equal(second.complete.error?.message, `upload of ${object.oid} to memory://${object.oid} failed: AccessDenied on the bucket; check the credentials`);
    assert.equal(store.puts, 2);
    agent.send({ event: 'upload', ...object, action: null });
    assert.deepEqual((await agent.transfer(object.oid)).complete, { event: 'complete', oid: object.oid });
    assert.ok(store.objects.has(object.oid));
    agent.input.end();
    await agent.finished();
  });

  it('refuses to upload a local object whose size differs from the request', async () => {
    const store = new CountingStore();
    const agent = new Harness({ openStore: async () => store, tempDir });
    const object = await localObject('abc');
    agent.send(INIT_UPLOAD, { event: 'upload', ...object, size: 4, action: null });
    await agent.next();
    const { complete } = await agent.transfer(object.oid);
    assert.equal(complete.error?.code, ErrorCode.Integrity);
    assert.match(complete.error!.message, new RegExp(`${object.oid}.*3 bytes, expected 4`));
    assert.equal(store.puts, 0);

    agent.send({ event: 'upload', ...object, path: join(tempRoot, 'gone'), action: null });
    const missing = await agent.transfer(object.oid);
    assert.match(missing.complete.error!.message, /cannot be read.*ENOENT/);
    agent.input.end();
    await agent.finished();
  });

  it('downloads into tempDir and completes with the absolute path of the exact bytes', async () => {
    const store = new MemoryStore();
    const data = Buffer.from('{"a": 1}\n'.repeat(1000));
    const oid = sha256(data);
    store.objects.set(oid, data);
    const agent = new Harness({ openStore: async () => store, tempDir });
    agent.send(INIT_DOWNLOAD, { event: 'download', oid, size: data.length, action: null });
    assert.deepEqual(await agent.next(), {});
    const { complete, progress } = await agent.transfer(oid);
    const path = complete['path'] as string;
    assert.deepEqual(Object.keys(complete).sort(), ['event', 'oid', 'path']);
    assert.ok(isAbsolute(path));
    assert.ok(path.startsWith(tempDir + sep), `${path} is not inside ${tempDir}`);
    // <oid>-… (git-lfs's tmp cleanup pattern), then the owner token naming this process.
    assert.ok(path.slice(tempDir.length + 1).startsWith(`${oid}-lfs-lazy-${machineTag()}-${process.pid}-`));
    assert.deepEqual(await readFile(path), data);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(progress.at(-1)?.['bytesSoFar'], data.length);
    agent.input.end();
    await agent.finished();
  });

  it('answers a missing object with a 404 that names the oid, and keeps going', async () => {
    const store = new MemoryStore();
    const agent = new Harness({ openStore: async () => store, tempDir });
    const oid = sha256('not there');
    agent.send(INIT_DOWNLOAD, { event: 'download', oid, size: 9, action: null });
    await agent.next();
    const { complete, progress } = await agent.transfer(oid);
    assert.deepEqual(progress, []);
    assert.equal(complete.error?.code, 404);
    assert.match(complete.error!.message, new RegExp(oid));
    assert.equal(complete['path'], undefined);

    const data = Buffer.from('present');
    store.objects.set(sha256(data), data);
    agent.send({ event: 'download', oid: sha256(data), size: data.length, action: null });
    assert.ok((await agent.transfer(sha256(data))).complete['path']);
    agent.input.end();
    await agent.finished();
  });

  for (const [label, stored] of [
    ['same size, other content', 'hello worle'],
    ['shorter', 'hello'],
    ['longer', 'hello world, and more'],
  ] as const) {
    it(`rejects stored bytes that do not match the oid (${label}) and leaves no file behind`, async () => {
      const store = new MemoryStore();
      const oid = sha256('hello world');
      store.objects.set(oid, Buffer.from(stored));
      const agent = new Harness({ openStore: async () => store, tempDir });
      agent.send(INIT_DOWNLOAD, { event: 'download', oid, size: 11, action: null });
      await agent.next();
      const { complete } = await agent.transfer(oid);
      assert.equal(complete.error?.code, ErrorCode.Integrity);
      assert.match(complete.error!.message, /failed verification \((hash|size) mismatch\)/);
      assert.match(complete.error!.message, new RegExp(`${oid} at memory://${oid}`));
      assert.match(complete.error!.message, new RegExp(`delete memory://${oid}, then push it again .*git lfs push --object-id origin ${oid}`));
      assert.deepEqual(await readdir(tempDir), []);
      agent.input.end();
      await agent.finished();
    });
  }

  // How often is the reporter's business (progress.test.ts, on a fake clock); here: what the agent
  // puts on the wire whatever the pacing — the first event at the first bytes, counts that only
  // grow and add up to the size, the last one at the size, nothing but JSON.
  it('reports progress from the first bytes, ending at size, with only JSON on stdout', async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const chunks = 8;
    const data = Buffer.concat(Array.from({ length: chunks }, () => chunk));
    const oid = sha256(data);
    const store = new MemoryStore();
    store.objects.set(oid, data);
    store.get = async () => Readable.from(Array.from({ length: chunks }, () => chunk));
    const agent = new Harness({ openStore: async () => store, tempDir });
    agent.send(INIT_DOWNLOAD, { event: 'download', oid, size: data.length, action: null });
    await agent.next();
    const { progress, complete } = await agent.transfer(oid);
    assert.ok(complete['path']);
    assert.deepEqual(progress[0], { event: 'progress', oid, bytesSoFar: chunk.length, bytesSinceLast: chunk.length });
    assert.ok(progress.length >= 2 && progress.length <= chunks + 1, `got ${progress.length} progress events`);
    const counts = progress.map((p) => p['bytesSoFar'] as number);
    assert.deepEqual(counts, [...counts].sort((a, b) => a - b), 'bytesSoFar only grows');
    assert.equal(new Set(counts).size, counts.length, 'no event repeats a count');
    assert.equal(progress.at(-1)?.['bytesSoFar'], data.length);
    const sum = progress.reduce((total, p) => total + (p['bytesSinceLast'] as number), 0);
    assert.equal(sum, data.length);
    agent.input.end();
    await agent.finished();
    for (const line of agent.raw) assert.doesNotThrow(() => JSON.parse(line), line);
  });

  it('survives malformed lines and unknown events, answering those that name an oid', async () => {
    const store = new MemoryStore();
    const data = Buffer.from('fine');
    const oid = sha256(data);
    store.objects.set(oid, data);
    const agent = new Harness({ openStore: async () => store, tempDir });
    agent.send(INIT_DOWNLOAD);
    await agent.next();
    agent.send('', 'hello from console.log', '[1,2]', '{"event":"fetch"}', '{"no":"event"}');
    agent.send({ event: 'download', oid: 'abc', size: 1 });
    const bad = await agent.next();
    assert.equal(bad.event, 'complete');
    assert.equal(bad.oid, 'abc');
    assert.equal(bad.error?.code, ErrorCode.Protocol);
    assert.match(bad.error!.message, /invalid oid "abc"/);
    agent.send({ event: 'verify', oid });
    assert.match((await agent.next()).error!.message, /unknown event "verify"/);
    agent.send({ event: 'download', oid, size: -5 });
    assert.match((await agent.next()).error!.message, /invalid size -5/);

    agent.send({ event: 'download', oid, size: data.length, action: null });
    const { complete } = await agent.transfer(oid);
    assert.deepEqual(await readFile(complete['path'] as string), data);
    agent.send({ event: 'terminate' });
    await agent.finished();
  });

  it('answers init before openStore is called, and loads the store once, on the first transfer', async () => {
    const store = new MemoryStore();
    const data = Buffer.from('lazy');
    const oid = sha256(data);
    store.objects.set(oid, data);
    let opens = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let opening!: () => void;
    const opened = new Promise<void>((resolve) => (opening = resolve));
    const agent = new Harness({
      openStore: async () => {
        opens++;
        opening();
        await released;
        return store;
      },
      tempDir,
    });
    agent.send(INIT_DOWNLOAD);
    assert.deepEqual(await agent.next(), {});
    assert.equal(opens, 0);
    agent.send({ event: 'download', oid, size: data.length, action: null });
    await opened;
    assert.equal(opens, 1);
    assert.equal(agent.raw.length, 1, 'nothing answered while the store loads');
    release();
    assert.ok((await agent.transfer(oid)).complete['path']);
    agent.send({ event: 'download', oid, size: data.length, action: null });
    assert.ok((await agent.transfer(oid)).complete['path']);
    assert.equal(opens, 1);
    agent.input.end();
    await agent.finished();
  });

  it('answers every transfer with the store failure when the store cannot be opened', async () => {
    let opens = 0;
    const agent = new Harness({
      openStore: async () => {
        opens++;
        throw new ConfigError('no storage URL configured; run lfs-lazy install --url s3://bucket/prefix');
      },
      tempDir,
    });
    const a = sha256('a');
    const b = sha256('b');
    agent.send(INIT_DOWNLOAD, { event: 'download', oid: a, size: 1 }, { event: 'download', oid: b, size: 1 });
    assert.deepEqual(await agent.next(), {});
    for (const oid of [a, b]) {
      const { complete } = await agent.transfer(oid);
      assert.equal(complete.error?.code, ErrorCode.Config);
      assert.equal(complete.error?.message, `download of ${oid} from the object store failed: no storage URL configured; run lfs-lazy install --url s3://bucket/prefix`);
    }
    assert.equal(opens, 1);
    agent.input.end();
    await agent.finished();
  });

  it('answers a transfer before init and a second init with protocol errors', async () => {
    const store = new MemoryStore();
    const agent = new Harness({ openStore: async () => store, tempDir });
    const oid = sha256('early');
    agent.send({ event: 'download', oid, size: 5 });
    const early = await agent.next();
    assert.equal(early.oid, oid);
    assert.equal(early.error?.code, ErrorCode.Protocol);
    assert.match(early.error!.message, /before init/);
    agent.send(INIT_DOWNLOAD);
    assert.deepEqual(await agent.next(), {});
    agent.send(INIT_UPLOAD);
    const again = await agent.next();
    assert.equal(again.error?.code, ErrorCode.Protocol);
    assert.equal(again.event, undefined);
    agent.input.end();
    await agent.finished();
  });

  it('processes requests that arrive together in order', async () => {
    const store = new MemoryStore();
    const objects = ['one', 'two', 'three'].map((s) => Buffer.from(s));
    for (const data of objects) store.objects.set(sha256(data), data);
    const agent = new Harness({ openStore: async () => store, tempDir });
    agent.send(INIT_DOWNLOAD, ...objects.map((data) => ({ event: 'download', oid: sha256(data), size: data.length })));
    await agent.next();
    for (const data of objects) assert.deepEqual(await readFile((await agent.transfer(sha256(data))).complete['path'] as string), data);
    agent.input.end();
    await agent.finished();
  });

  it('returns on terminate without answering it or anything after it', async () => {
    const store = new CountingStore();
    const agent = new Harness({ openStore: async () => store, tempDir });
    let closed = 0;
    store.close = () => void closed++;
    const data = Buffer.from('x');
    store.objects.set(sha256(data), data);
    agent.send(INIT_DOWNLOAD, { event: 'download', oid: sha256(data), size: 1 });
    await agent.next();
    await agent.transfer(sha256(data));
    agent.send({ event: 'terminate' }, { event: 'download', oid: sha256(data), size: 1 });
    await agent.finished();
    // The agent has returned: whatever it answered is in `raw` (its output is written in order,
    // before it returns), and a download started after terminate would have counted a get.
    assert.equal(agent.raw.length, 3);
    assert.equal(store.gets, 1);
    assert.equal(closed, 1);
  });

  it('returns on end of input, also before init', async () => {
    let opens = 0;
    const agent = new Harness({ openStore: async () => (opens++, new MemoryStore()), tempDir });
    agent.input.end();
    await agent.finished();
    assert.equal(agent.raw.length, 0);
    assert.equal(opens, 0);
  });

  it('a download whose body breaks off (after the store gave up) fails once and leaves no file', async () => {
    const data = Buffer.alloc(100_000, 1);
    const oid = sha256(data);
    const store = new CountingStore();
    store.objects.set(oid, data);
    const get = store.get.bind(store);
    store.get = async (o: string, options?: GetOptions) => {
      const stream = await get(o, options);
      if (store.gets > 1) return stream;
      return Readable.from(
        (async function* () {
          yield data.subarray(0, 1000);
          throw new StorageError(`get memory://${oid} failed after 5 attempts: connection reset (ECONNRESET)`);
        })(),
      );
    };
    const agent = new Harness({ openStore: async () => store, tempDir });
    agent.send(INIT_DOWNLOAD, { event: 'download', oid, size: data.length });
    await agent.next();
    const failed = await agent.transfer(oid);
    assert.equal(failed.complete.error?.code, ErrorCode.Unavailable);
    assert.match(failed.complete.error!.message, /after 5 attempts: connection reset/);
    assert.equal(store.gets, 1);
    assert.deepEqual(await readdir(tempDir), []);
    agent.send({ event: 'download', oid, size: data.length });
    const { complete } = await agent.transfer(oid);
    assert.deepEqual(await readdir(tempDir), [(complete['path'] as string).slice(tempDir.length + 1)]);
    agent.input.end();
    await agent.finished();
  });
});

describe('downloadVerified', () => {
  it('does not retry permanent failures and leaves nothing behind', async () => {
    const store = new CountingStore();
    const oid = sha256('absent');
    await assert.rejects(downloadVerified({ store, oid, size: 6, tempDir }), { code: 404 });
    assert.equal(store.gets, 1);
    assert.deepEqual(await readdir(tempDir), []);
  });

  it('does not retry a transient failure itself (the store owns retries) and leaves nothing behind', async () => {
    const store = new CountingStore();
    const oid = sha256('flaky');
    store.objects.set(oid, Buffer.from('flaky'));
    store.get = async () => {
      store.gets++;
      throw new Error('socket hang up');
    };
    await assert.rejects(downloadVerified({ store, oid, size: 5, tempDir }), /socket hang up/);
    assert.equal(store.gets, 1);
    assert.deepEqual(await readdir(tempDir), []);
  });

  it('reports an unwritable temp dir as a permanent local failure', async () => {
    const store = new CountingStore();
    const data = Buffer.from('ok');
    store.objects.set(sha256(data), data);
    await writeFile(join(tempRoot, 'file'), '');
    await assert.rejects(
      downloadVerified({ store, oid: sha256(data), size: 2, tempDir: join(tempRoot, 'file', 'sub') }),
      /cannot write the downloaded object into .*ENOTDIR/,
    );
    assert.equal(store.gets, 0);
  });

  it('refuses an invalid oid before touching the store', async () => {
    const store = new CountingStore();
    await assert.rejects(downloadVerified({ store, oid: '../../etc/passwd', size: 1, tempDir }), { code: 400 });
    assert.equal(store.gets, 0);
  });
});
