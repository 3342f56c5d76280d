// The lazy side under injected faults: `hydrate`, `cat` and an eager clone (delayed smudge) talk to
// s3rver through the fault-injecting proxy. Each fault ends either in success with the right bytes
// or in a one-line failure naming the file or oid and the cause, with nothing corrupt left; a
// rerun without the fault succeeds.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { assertLocalObjectsIntact } from '../helpers/disk.js';
import { faultEnv, startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { fileContent, makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';

const TEST = { timeout: 90_000 };

describe('hydrate, cat and an eager clone under faults', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let proxy: FaultProxy;

  before(async () => {
    fx = await makeLfsFixture({
      files: [
        { path: 'data/a.bin', content: fileContent(11, 700_000) },
        { path: 'data/b.bin', content: fileContent(12, 90_000) },
        { path: 'data/c.json', content: fileContent(13, 20_000) },
      ],
    });
    proxy = await startFaultProxy(fx.server.endpoint);
  });
  after(async () => {
    await proxy?.close();
    await fx?.cleanup();
  });

  const env = (): NodeJS.ProcessEnv => faultEnv(proxy);
  const cli = (args: string[], cwd: string, allowFail = false) => fx.box.cli(args, { cwd, env: env(), allowFail, timeoutMs: 60_000 });

  async function assertNothingCorrupt(clone: string): Promise<void> {
    await assertLocalObjectsIntact(clone);
    for (const file of fx.files) {
      const data = await readFile(join(clone, file.path));
      assert.ok(data.equals(file.content) || data.toString().startsWith('version https://git-lfs.github.com/spec/v1'), `${file.path} is neither content nor pointer`);
    }
    assert.equal((await fx.box.git(['status', '--porcelain'], { cwd: clone })).stdout, '');
  }

  async function assertHydrated(clone: string): Promise<void> {
    for (const file of fx.files) assert.ok((await readFile(join(clone, file.path))).equals(file.content), `${file.path}: wrong bytes`);
    assert.equal((await fx.box.git(['status', '--porcelain'], { cwd: clone })).stdout, '');
  }

  it('hydrate: 503 SlowDown on the first GETs and a reset mid-body are retried to the right bytes', TEST, async () => {
    const clone = await fx.clone('transient');
    await proxy.setFault({ method: 'GET', times: 2, action: { kind: 'status', status: 503, code: 'SlowDown' } });
    await cli(['hydrate', 'data/b.bin', 'data/c.json'], clone);
    await proxy.setFault({ method: 'GET', times: 1, action: { kind: 'reset', afterBytes: 100_000 } });
    await cli(['hydrate', 'data/a.bin'], clone);
    await proxy.clearFault();
    await assertHydrated(clone);
  });

  it('hydrate: a flipped byte fails naming the file and the oid, leaves nothing corrupt; a rerun succeeds', TEST, async () => {
    const clone = await fx.clone('flip');
    const a = fx.files[0]!;
    await proxy.setFault({ method: 'GET', path: a.oid, action: { kind: 'flip', offset: 4321 } });
    const failed = await cli(['hydrate', 'data'], clone, true);
    assert.notEqual(failed.code, 0);
    const lines = failed.stderr.trim().split('\n');
    assert.equal(lines.length, 1, failed.stderr);
    assert.match(lines[0]!, new RegExp(`data/a\\.bin.*${a.oid}.*(hash mismatch|failed verification)`));
    await assertNothingCorrupt(clone);
    await proxy.clearFault();
    await cli(['hydrate', 'data'], clone);
    await assertHydrated(clone);
  });

  it('cat: a 403 fails with one line naming the path and the refused credentials; a truncated body is resumed to the exact bytes', TEST, async () => {
    const clone = await fx.clone('cat');
    const b = fx.files[1]!;
    await proxy.setFault({ method: 'GET', action: { kind: 'status', status: 403, code: 'AccessDenied' } });
    const failed = await cli(['cat', b.path], clone, true);
    assert.notEqual(failed.code, 0);
    assert.equal(failed.stdout, '');
    assert.equal(failed.stderr.trim().split('\n').length, 1, failed.stderr);
    assert.match(failed.stderr, /data\/b\.bin.*credentials were refused/);
    // A body cut short is resumed: the content (ASCII in this fixture) arrives whole.
    await proxy.setFault({ method: 'GET', times: 1, action: { kind: 'truncate', bytes: 10_000 } });
    const ok = await cli(['cat', b.path], clone);
    assert.equal(ok.stdout, b.content.toString());
    await proxy.clearFault();
    await assertNothingCorrupt(clone);
  });

  it('eager clone: a failing fetch leaves that pointer, names it, and the checkout completes; hydrate then finishes', TEST, async () => {
    const a = fx.files[0]!;
    await proxy.setFault({ method: 'GET', path: a.oid, action: { kind: 'status', status: 500 } });
    const clone = await fx.clone('eager', { env: { ...env(), LFS_LAZY_HYDRATE: 'data' } }).catch((err: Error) => {
      throw new Error(`the clone itself must not fail: ${err.message}`);
    });
    const pointer = await readFile(join(clone, a.path), 'utf8');
    assert.match(pointer, new RegExp(`oid sha256:${a.oid}`));
    for (const file of fx.files.slice(1)) assert.ok((await readFile(join(clone, file.path))).equals(file.content), `${file.path}: wrong bytes`);
    await assertNothingCorrupt(clone);
    await proxy.clearFault();
    await cli(['hydrate', 'data'], clone);
    await assertHydrated(clone);
  });
});
