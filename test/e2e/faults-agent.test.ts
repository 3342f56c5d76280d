// Real git + git-lfs + the lfs-lazy agent, talking to s3rver through the fault-injecting proxy.
// Each injected fault ends either in success with the right bytes or in a failure that names the
// object and the cause, leaves nothing corrupt, and a rerun without the fault succeeds.
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertLocalObjectsIntact } from '../helpers/disk.js';
import { faultEnv, startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';
import type { RunResult } from '../helpers/sandbox.js';

const IDLE_MS = 1_500;
const MAX_ATTEMPTS = 3;
const POINTER_PREFIX = 'version https://git-lfs.github.com/spec/v1';
const TEST = { timeout: 90_000 };

describe('git-lfs transfers through the agent under faults', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let proxy: FaultProxy;
  let commits = 0;

  before(async () => {
    fx = await makeLfsFixture({
      files: [
        { path: 'data/a.bin', content: fileContent(1, 400_000) },
        { path: 'data/b.json', content: fileContent(2, 30_000) },
      ],
    });
    proxy = await startFaultProxy(fx.server.endpoint);
  });
  after(async () => {
    await proxy?.close();
    await fx?.cleanup();
  });

  const env = (): NodeJS.ProcessEnv => faultEnv(proxy, { maxAttempts: MAX_ATTEMPTS, idleMs: IDLE_MS });
  // One worker: git-lfs otherwise starts 8 agents for any transfer (findings §0.3).
  const git = (args: string[], cwd: string, allowFail = false): Promise<RunResult> =>
    fx.box.git(['-c', 'lfs.concurrenttransfers=1', ...args], { cwd, env: env(), allowFail, timeoutMs: 60_000 });

  async function commitNewFile(name: string, size: number): Promise<{ oid: string; content: Buffer }> {
    const content = fileContent(100 + ++commits, size);
    await writeFile(join(fx.origin, 'data', name), content);
    await fx.box.git(['add', `data/${name}`], { cwd: fx.origin });
    await fx.box.git(['commit', '-q', '-m', `add ${name}`], { cwd: fx.origin });
    return { oid: sha256(content), content };
  }

  async function inBucket(oid: string): Promise<Buffer | undefined> {
    return fx.bucket.get(oid);
  }

  // A clone whose local LFS store is empty, so that `git lfs pull` must download everything. Works
  // whether the clone checked out content (git-lfs's filter) or pointers (lfs-lazy's lazy filter).
  async function emptyClone(name: string): Promise<string> {
    const clone = await fx.clone(name);
    await rm(join(clone, '.git', 'lfs', 'objects'), { recursive: true, force: true });
    return clone;
  }

  // Nothing corrupt anywhere: every local object matches its name, and every working-tree file is
  // its content or its pointer.
  async function assertNothingCorrupt(clone: string): Promise<void> {
    await assertLocalObjectsIntact(clone);
    for (const file of fx.files) {
      const data = await readFile(join(clone, file.path));
      assert.ok(data.equals(file.content) || data.toString().startsWith(POINTER_PREFIX), `${file.path} is neither its content nor a pointer`);
    }
  }

  // Only the fixture's own files: the push tests add commits with objects of their own.
  const only = (files: Array<{ path: string }>): string[] => ['-I', files.map((f) => f.path).join(',')];

  async function assertPulled(clone: string, files = fx.files): Promise<void> {
    for (const file of files) {
      const local = join(clone, '.git', 'lfs', 'objects', file.oid.slice(0, 2), file.oid.slice(2, 4), file.oid);
      assert.equal(sha256(await readFile(local)), file.oid, `${file.path}: local object`);
      assert.ok((await readFile(join(clone, file.path))).equals(file.content), `${file.path}: working tree`);
    }
  }

  it('a push whose first two PUTs get 503 SlowDown succeeds', TEST, async () => {
    const { oid, content } = await commitNewFile('slow.bin', 50_000);
    await proxy.setFault({ method: 'PUT', times: 2, action: { kind: 'status', status: 503 } });
    await git(['push', '-q', 'origin', 'main'], fx.origin);
    assert.equal(proxy.count({ method: 'PUT', path: oid, faulted: true }), 2);
    assert.equal(proxy.count({ method: 'PUT', path: oid, faulted: false }), 1);
    assert.ok((await inBucket(oid))?.equals(content), 'the bucket has the exact bytes');
  });

  it('a push refused with 403 fails naming the oid and the credentials; a rerun succeeds', TEST, async () => {
    const { oid, content } = await commitNewFile('denied.bin', 20_000);
    await proxy.setFault({ method: 'PUT', action: { kind: 'status', status: 403 } });
    const failed = await git(['push', '-q', 'origin', 'main'], fx.origin, true);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, new RegExp(`${oid}.*credentials were refused`));
    assert.equal(proxy.count({ method: 'PUT', path: oid }), 1, 'a permanent failure is not retried');
    assert.equal(await inBucket(oid), undefined);
    await proxy.clearFault();
    await git(['push', '-q', 'origin', 'main'], fx.origin);
    assert.ok((await inBucket(oid))?.equals(content));
  });

  it('git lfs pull with a flipped byte fails verification naming the oid, leaves nothing corrupt; a rerun succeeds', TEST, async () => {
    const clone = await emptyClone('flip');
    await proxy.setFault({ method: 'GET', action: { kind: 'flip', offset: 1234 } });
    const failed = await git(['lfs', 'pull', ...only(fx.files)], clone, true);
    assert.notEqual(failed.code, 0);
    const oids = fx.files.map((f) => f.oid).join('|');
    assert.match(failed.stderr, new RegExp(`(${oids}).*(failed verification|invalid hash)`));
    await assertNothingCorrupt(clone);
    await proxy.clearFault();
    await git(['lfs', 'pull', ...only(fx.files)], clone);
    await assertPulled(clone);
  });

  it('git lfs pull against a stalled server ends within the idle time-outs with a clear message; a rerun succeeds', TEST, async (t) => {
    const clone = await emptyClone('stall');
    const file = fx.files[0]!;
    await proxy.setFault({ method: 'GET', action: { kind: 'stall' } });
    const started = Date.now();
    const failed = await git(['lfs', 'pull', ...only([file])], clone, true);
    const elapsed = Date.now() - started;
    t.diagnostic(`stalled pull failed after ${elapsed} ms with ${proxy.count({ method: 'GET' })} GETs`);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, new RegExp(`${file.oid}.*after ${MAX_ATTEMPTS} attempts: timed out: no data for ${IDLE_MS} ms \\(idleTimeoutMs\\)`));
    assert.equal(proxy.count({ method: 'GET' }), MAX_ATTEMPTS, 'no retry layer multiplies the attempts');
    // MAX_ATTEMPTS idle time-outs plus backoff, plus git and git-lfs start-up.
    const bound = MAX_ATTEMPTS * (IDLE_MS + 1_000) + 5_000;
    assert.ok(elapsed < bound, `took ${elapsed} ms (bound ${bound})`);
    await assertNothingCorrupt(clone);
    await proxy.clearFault();
    await git(['lfs', 'pull', ...only([file])], clone);
    await assertPulled(clone, [file]);
  });
});
