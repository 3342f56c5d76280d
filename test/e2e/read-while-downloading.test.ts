// A whole read of a large object that is not local is sent while the object downloads, and still
// no reader ever gets the whole of a body that failed verification: its last bytes wait for the
// SHA-256, a mismatch cuts the stream (over HTTP, short of Content-Length) and nothing is kept.
// Real git, git-lfs and s3rver behind the fault proxy, which stalls or corrupts the download.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { fileURLToPath } from 'node:url';
import { openRepository, type Repository } from '../../src/index.js';
import { faultEnv, startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { makeReadFixture, PATHS, runBinary, type ReadFixture } from './lazy-read-fixture.js';
import { startServe, type Served } from './serve-fixture.js';

const KiB = 1024;
const EXAMPLES = fileURLToPath(new URL('../../../examples/python/', import.meta.url));
// examples/python's ServerClient reading one file whole: exit 0 with its size, or 3 naming what it raised.
const PYTHON_READ = `
import sys
sys.path.insert(0, sys.argv[1])
from server_reader import ServerClient
try:
    data = ServerClient(sys.argv[2]).read(sys.argv[3])
except Exception as err:
    print("raised " + type(err).__name__)
    sys.exit(3)
print("read %d bytes" % len(data))
`;

// A GET through the server whose body is handed over as it arrives.
function open(served: Served, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request(
      { host: '127.0.0.1', port: Number(new URL(served.base!).port), path: `/${path}`, headers: { Authorization: `Bearer ${served.token}` }, agent: false },
      resolve,
    )
      .on('error', reject)
      .end();
  });
}

// Reads the body until `enough` bytes have come, then returns them (the rest stays in the stream).
function receiveAtLeast(res: IncomingMessage, enough: number): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let received = 0;
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < enough) return;
      res.off('data', onData);
      res.pause();
      resolve(chunks);
    };
    res.on('data', onData);
    res.once('error', reject);
    res.once('end', () => reject(new Error(`the body ended after ${received} bytes`)));
  });
}

// The rest of a body: its bytes, and how it ended (cleanly, or cut short).
function rest(res: IncomingMessage): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    res.on('data', (chunk: Buffer) => chunks.push(chunk));
    res.once('end', () => resolve({ bytes: Buffer.concat(chunks), complete: res.complete }));
    res.once('error', () => resolve({ bytes: Buffer.concat(chunks), complete: false }));
    res.resume();
  });
}

describe('a large object read whole while it downloads', { timeout: 300_000 }, () => {
  let rf: ReadFixture;
  let proxy: FaultProxy;
  const repos: Repository[] = [];

  before(async () => {
    rf = await makeReadFixture();
    Object.assign(process.env, rf.fx.box.env);
    proxy = await startFaultProxy(rf.fx.server.endpoint);
  });
  after(async () => {
    for (const repo of repos) repo.close();
    await proxy?.close();
    await rf?.fx.cleanup();
  });

  it('serve: the first bytes go out before the download has finished; then every byte, and the object is kept', async () => {
    const { oid, content } = rf.file(PATHS.big);
    const clone = await rf.lazyClone('clone-while');
    // A short idle time-out: the stalled GET is given up and resumed with a Range request.
    const served = await startServe(clone, { ...rf.fx.box.env, ...faultEnv(proxy, { idleMs: 1_500 }) });
    try {
      await proxy.setFault({ method: 'GET', path: oid, times: 1, action: { kind: 'stall', afterBytes: 2 * 1024 * KiB } });
      const res = await open(served, PATHS.big);
      assert.equal(res.statusCode, 200);
      assert.equal(Number(res.headers['content-length']), content.length);
      const first = await receiveAtLeast(res, 1024 * KiB);
      // The download is held at 2 MiB of 3 MiB: it cannot have finished.
      assert.equal(existsSync(rf.readCacheObject(clone, oid)), false, 'the object is already in the read cache');
      const { bytes, complete } = await rest(res);
      assert.ok(complete, 'the body was cut short');
      assert.ok(Buffer.concat([...first, bytes]).equals(content), 'the bytes sent are the object');
      assert.ok(proxy.count({ method: 'GET', path: oid }) >= 2, 'the stalled GET was resumed');
      assert.ok((await readFile(rf.readCacheObject(clone, oid))).equals(content), 'the read cache holds the object');
      assert.deepEqual(rf.tempFiles(clone), []);
    } finally {
      await proxy.clearFault();
      await served.stop();
    }
  });

  it('serve: an object that fails verification is cut short of its Content-Length, never sent whole; nothing is kept', async () => {
    const { oid, content } = rf.file(PATHS.big);
    const clone = await rf.lazyClone('clone-while-flip');
    const served = await startServe(clone, { ...rf.fx.box.env, ...faultEnv(proxy) });
    try {
      // The last byte of the object is the wrong one: everything before it is right.
      await proxy.setFault({ method: 'GET', path: oid, action: { kind: 'flip', offset: content.length - 1 } });
      const res = await open(served, PATHS.big);
      assert.equal(res.statusCode, 200);
      assert.equal(Number(res.headers['content-length']), content.length);
      const { bytes, complete } = await rest(res);
      assert.equal(complete, false, 'a body that failed verification came whole');
      assert.ok(bytes.length < content.length, `${bytes.length} bytes of ${content.length} sent`);
      assert.ok(bytes.length > 0, 'bytes before the last chunk are sent while the object downloads');
      assert.ok(bytes.equals(content.subarray(0, bytes.length)), 'what was sent is a prefix of the object');
      assert.match(served.stderr(), new RegExp(`${oid}.*hash mismatch`));
      // What a Python training job sees: the example client raises; it never returns the bytes.
      const py = await runBinary('python3', ['-c', PYTHON_READ, EXAMPLES, served.line, PATHS.big], { cwd: clone, env: { ...rf.fx.box.env, PYTHONDONTWRITEBYTECODE: '1' } });
      assert.equal(py.code, 3, `${py.stdout.toString()}${py.stderr.toString()}`);
      assert.match(py.stdout.toString(), /^raised IncompleteRead\n$/);
      assert.equal(existsSync(rf.readCacheObject(clone, oid)), false, 'a corrupt object was kept');
      assert.deepEqual(rf.tempFiles(clone), []);
    } finally {
      await proxy.clearFault();
      await served.stop();
    }
  });

  it('library: createReadStream of an object that fails verification ends in the error, short of the last chunk; readFile rejects', async () => {
    const { oid, content } = rf.file(PATHS.big);
    const clone = await rf.lazyClone('clone-while-library');
    const repo = await openRepository(clone, { env: { ...process.env, ...faultEnv(proxy) } });
    repos.push(repo);
    try {
      await proxy.setFault({ method: 'GET', path: oid, action: { kind: 'flip', offset: content.length - 1 } });
      let received = 0;
      const failure = await new Promise<Error>((resolve, reject) => {
        const stream = repo.createReadStream(PATHS.big);
        stream.on('data', (chunk: Buffer) => (received += chunk.length));
        stream.once('end', () => reject(new Error('the stream ended cleanly')));
        stream.once('error', resolve);
      });
      assert.match(failure.message, new RegExp(`${oid}.*hash mismatch`));
      assert.ok(received < content.length, `${received} bytes of ${content.length} given`);
      await assert.rejects(repo.readFile(PATHS.big), /hash mismatch/);
      assert.equal(existsSync(rf.readCacheObject(clone, oid)), false, 'a corrupt object was kept');
      assert.deepEqual(rf.tempFiles(clone), []);
      await proxy.clearFault();
      assert.ok((await repo.readFile(PATHS.big)).equals(content), 'read again once the store is right');
    } finally {
      await proxy.clearFault();
    }
  });
});
