// `lfs-lazy serve` against a lazy clone: real git, git-lfs, s3rver, the CLI as a user starts it,
// requests sent byte for byte as written (a `..` reaches the server as `..`).
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { faultEnv, startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { CLI_PATH } from '../helpers/sandbox.js';
import { makeReadFixture, PATHS, sha256, type ReadFixture } from './lazy-read-fixture.js';
import { get, startServe, type Served } from './serve-fixture.js';

const NEW_LABELS = Buffer.from('{"a": 1, "b": 2}\n');

describe('lfs-lazy serve', { timeout: 600_000 }, () => {
  let rf: ReadFixture;
  let clone: string;
  let served: Served;
  let oldLabels: Buffer;

  before(async () => {
    rf = await makeReadFixture();
    clone = await rf.lazyClone('clone-serve');
    oldLabels = rf.file(PATHS.labels).content;
    // A second commit, local to the clone: /@HEAD~1/ must give the first one's bytes.
    await writeFile(join(clone, PATHS.labels), NEW_LABELS);
    await rf.fx.box.git(['commit', '-q', '-am', 'new labels'], { cwd: clone });
    await rf.fx.box.git(['branch', 'feature/old', 'HEAD~1'], { cwd: clone });
    // Symbolic links out of the tree (not committed: the working tree is what `/<path>` reads).
    await symlink('/etc/passwd', join(clone, 'data', 'passwd-link'));
    await symlink('/etc', join(clone, 'data', 'etc-link'));
    served = await startServe(clone, rf.fx.box.env);
  });
  after(async () => {
    await served?.stop();
    await rf?.fx.cleanup();
  });

  it('prints exactly one line, the base URL with the token, and keeps it in a 0600 file in the git dir', async () => {
    assert.match(served.line, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/);
    assert.equal(served.stdout(), `${served.line}\n`);
    const urlFile = join(clone, '.git', 'lfs-lazy', 'serve.url');
    assert.equal(await readFile(urlFile, 'utf8'), `${served.line}\n`);
    assert.equal(statSync(urlFile).mode & 0o777, 0o600);
    // The URL itself works as printed.
    const answer = await get(served, `/${PATHS.readme}`, { token: served.token });
    assert.equal(answer.status, 200);
  });

  it('requires the token: 401 without it or with a wrong one, the bytes with it as a Bearer header or ?token=', async () => {
    const wrong = `${served.token.slice(0, -2)}xx`;
    for (const answer of [
      await get(served, `/${PATHS.labels}`, { token: false }),
      await get(served, `/${PATHS.labels}`, { token: wrong }),
      await get(served, `/${PATHS.labels}`, { token: false, headers: { Authorization: `Bearer ${wrong}` } }),
      await get(served, `/${PATHS.labels}`, { token: false, headers: { Authorization: served.token } }),
      await get(served, '/.git/config', { token: false }),
      await get(served, `/${PATHS.labels}`, { token: false, method: 'HEAD' }),
    ]) {
      assert.equal(answer.status, 401);
      assert.equal(answer.headers['www-authenticate'], 'Bearer realm="lfs-lazy"');
      assert.ok(!answer.body.includes(oldLabels.subarray(0, 20)));
    }
    assert.ok((await get(served, `/${PATHS.readme}`)).body.equals(rf.file(PATHS.readme).content));
    assert.ok((await get(served, `/${PATHS.readme}`, { token: served.token })).body.equals(rf.file(PATHS.readme).content));
  });

  it('a Range of a non-local object is an S3 Range request: 206 with the exact bytes, nothing fetched whole', async () => {
    const big = rf.file(PATHS.big);
    const size = big.content.length;
    const cases: Array<[string, number, number]> = [
      ['bytes=0-0', 0, 0],
      ['bytes=1000-1999', 1000, 1999],
      ['bytes=-100', size - 100, size - 1],
      [`bytes=${size - 10}-${size + 5000}`, size - 10, size - 1],
      [`bytes=${size - 1}-`, size - 1, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const answer = await get(served, `/${PATHS.big}`, { headers: { Range: range } });
      assert.equal(answer.status, 206, range);
      assert.equal(answer.headers['content-range'], `bytes ${start}-${end}/${size}`, range);
      assert.equal(answer.headers['content-length'], String(end - start + 1), range);
      assert.equal(answer.headers['etag'], `"${big.oid}"`);
      assert.ok(answer.body.equals(big.content.subarray(start, end + 1)), `${range}: wrong bytes`);
    }
    assert.equal(existsSync(rf.readCacheObject(clone, big.oid)), false, 'a ranged read fetched the whole object');
    assert.equal(existsSync(rf.lfsObject(clone, big.oid)), false);
    // A range that covers the whole object is a whole read (into the read cache), still a 206.
    const all = await get(served, `/${PATHS.big}`, { headers: { Range: `bytes=-${size + 10}` } });
    assert.equal(all.status, 206);
    assert.equal(all.headers['content-range'], `bytes 0-${size - 1}/${size}`);
    assert.ok(all.body.equals(big.content));
  });

  it('416 with Content-Range: bytes */<size> for a start past the end and for any range of an empty file; several ranges get the whole file', async () => {
    const big = rf.file(PATHS.big);
    const size = big.content.length;
    for (const range of [`bytes=${size}-`, `bytes=${size + 100}-${size + 200}`, 'bytes=-0']) {
      const answer = await get(served, `/${PATHS.big}`, { headers: { Range: range } });
      assert.equal(answer.status, 416, range);
      assert.equal(answer.headers['content-range'], `bytes */${size}`);
    }
    for (const range of ['bytes=0-0', 'bytes=0-', 'bytes=-1']) {
      const answer = await get(served, `/${PATHS.empty}`, { headers: { Range: range } });
      assert.equal(answer.status, 416, range);
      assert.equal(answer.headers['content-range'], 'bytes */0');
    }
    const readme = rf.file(PATHS.readme).content;
    const multi = await get(served, `/${PATHS.readme}`, { headers: { Range: 'bytes=0-1,4-5' } });
    assert.equal(multi.status, 200);
    assert.ok(multi.body.equals(readme));
    // If-Range with another ETag: the whole file (it changed since the client's first part).
    const stale = await get(served, `/${PATHS.readme}`, { headers: { Range: 'bytes=0-1', 'If-Range': '"other"' } });
    assert.equal(stale.status, 200);
  });

  it('HEAD gives the length and the ETag (the oid) without fetching anything', async () => {
    const { oid, content } = rf.file(PATHS.gone);
    const head = await get(served, `/${PATHS.gone}`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(content.length));
    assert.equal(head.headers['etag'], `"${oid}"`);
    assert.equal(head.headers['accept-ranges'], 'bytes');
    assert.equal(head.body.length, 0);
    assert.equal(existsSync(rf.readCacheObject(clone, oid)), false);
    const ranged = await get(served, `/${PATHS.gone}`, { method: 'HEAD', headers: { Range: 'bytes=10-19' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers['content-length'], '10');
  });

  it('whole reads give the exact bytes through the read cache, the working tree untouched, over one kept-alive connection', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const answers = [];
      for (const path of [PATHS.big, PATHS.empty, PATHS.readme, PATHS.big]) {
        const answer = await get(served, `/${path}`, { agent });
        assert.equal(answer.status, 200, path);
        assert.equal(sha256(answer.body), rf.file(path).oid, `${path}: wrong bytes`);
        answers.push(answer);
      }
      assert.ok(answers.slice(1).every((a) => a.reusedSocket), 'the connection was not kept alive');
    } finally {
      agent.destroy();
    }
    const labels = await get(served, `/${PATHS.labels}`);
    assert.ok(labels.body.equals(NEW_LABELS), 'the checked-out revision');
    const big = rf.file(PATHS.big);
    assert.equal(existsSync(rf.readCacheObject(clone, big.oid)), true);
    assert.equal(existsSync(rf.lfsObject(clone, big.oid)), false, 'a read changed what checkouts materialise');
    assert.match(await readFile(join(clone, PATHS.big), 'utf8'), /^version https:\/\/git-lfs/);
    assert.equal((await rf.fx.box.git(['status', '--porcelain', '--untracked-files=no'], { cwd: clone })).stdout, '');
  });

  it('a small file already here is answered from one read: whole and by every kind of range, the bytes a stream gives', async () => {
    // The working-tree file (hydrated), and an object of HEAD~1 once a whole read put it in the read cache.
    for (const [target, content] of [[`/${PATHS.labels}`, NEW_LABELS], [`/@HEAD~1/${PATHS.labels}`, oldLabels]] as const) {
      const size = content.length;
      assert.ok((await get(served, target)).body.equals(content), target);
      const cases: Array<[string, number, number]> = [
        ['bytes=0-0', 0, 0],
        ['bytes=2-5', 2, 5],
        ['bytes=-3', size - 3, size - 1],
        [`bytes=${size - 2}-`, size - 2, size - 1],
        [`bytes=1-${size + 50}`, 1, size - 1],
      ];
      for (const [range, start, end] of cases) {
        const answer = await get(served, target, { headers: { Range: range } });
        assert.equal(answer.status, 206, `${target} ${range}`);
        assert.equal(answer.headers['content-range'], `bytes ${start}-${end}/${size}`, `${target} ${range}`);
        assert.ok(answer.body.equals(content.subarray(start, end + 1)), `${target} ${range}: wrong bytes`);
      }
      const whole = await get(served, target);
      assert.equal(whole.headers['content-length'], String(size));
      assert.ok(whole.body.equals(content), target);
    }
    assert.ok(existsSync(rf.readCacheObject(clone, rf.file(PATHS.labels).oid)), 'the HEAD~1 object was not read from the read cache');
  });

  it('/@<rev>/<path> reads any commit without a checkout: HEAD~1, a branch with a slash, HEAD', async () => {
    const old = rf.file(PATHS.labels);
    for (const rev of ['HEAD~1', 'feature%2Fold', 'HEAD%5E', 'main~1']) {
      const answer = await get(served, `/@${rev}/${PATHS.labels}`);
      assert.equal(answer.status, 200, rev);
      assert.ok(answer.body.equals(oldLabels), `${rev}: not the old content`);
      assert.equal(answer.headers['etag'], `"${old.oid}"`);
    }
    const ranged = await get(served, `/@HEAD~1/${PATHS.labels}`, { headers: { Range: 'bytes=-7' } });
    assert.equal(ranged.status, 206);
    assert.ok(ranged.body.equals(oldLabels.subarray(-7)));
    assert.ok((await get(served, `/@HEAD/${PATHS.labels}`)).body.equals(NEW_LABELS));
    // A file git stores as a blob (not LFS), whole and by range.
    const readme = rf.file(PATHS.readme).content;
    assert.ok((await get(served, `/@HEAD~1/${PATHS.readme}`)).body.equals(readme));
    const part = await get(served, `/@HEAD~1/${PATHS.readme}`, { headers: { Range: 'bytes=2-8' } });
    assert.equal(part.status, 206);
    assert.ok(part.body.equals(readme.subarray(2, 9)));
    for (const target of [`/@nope/${PATHS.labels}`, '/@HEAD~1/data/nope.bin', '/@HEAD~1/data', `/@${'0'.repeat(40)}/${PATHS.labels}`]) {
      const missing = await get(served, target);
      assert.equal(missing.status, 404, target);
      assert.equal(missing.body.toString().trimEnd().split('\n').length, 1);
    }
  });

  it('never serves anything outside the tree: .., %2e%2e, .git, absolute paths, symbolic links out', async () => {
    const passwd = existsSync('/etc/passwd') ? await readFile('/etc/passwd') : Buffer.from('root:');
    const gitConfig = await readFile(join(clone, '.git', 'config'));
    const refused = [
      '/../../../../etc/passwd',
      '/data/../../../etc/passwd',
      '/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
      '/data/%2E%2E/%2E%2E/etc/passwd',
      '/data%2F..%2F..%2Fetc/passwd',
      '/.git/config',
      '/data/../.git/config',
      '/%2egit/config',
      '/@HEAD/.git/config',
      '//etc/passwd',
      '/%2Fetc/passwd',
      '/data/etc-link/passwd',
      '/data/nope.bin',
      '/data',
    ];
    for (const target of refused) {
      const answer = await get(served, target);
      assert.ok([400, 404].includes(answer.status), `${target}: ${answer.status}`);
      assert.ok(!answer.body.includes(passwd.subarray(0, 5)) && !answer.body.includes(gitConfig.subarray(0, 10)), `${target} leaked`);
    }
    // A link in the tree is what git would store: its target, as text — never the file it names.
    const link = await get(served, '/data/passwd-link');
    assert.equal(link.status, 200);
    assert.equal(link.body.toString(), '/etc/passwd');
  });

  it('a rev that looks like an option is refused before git sees it', async () => {
    for (const rev of ['--output=x', '%2D%2Doutput=x', '-h']) {
      const answer = await get(served, `/@${rev}/${PATHS.labels}`);
      assert.equal(answer.status, 400, rev);
    }
    assert.equal(existsSync(join(clone, 'x')), false);
  });

  it('50 concurrent clients all get the right bytes', async () => {
    const fresh = await rf.lazyClone('clone-serve-concurrent');
    const many = await startServe(fresh, rf.fx.box.env);
    try {
      const jobs = Array.from({ length: 50 }, (_, i) => {
        const path = [PATHS.big, PATHS.labels, PATHS.readme, PATHS.gone][i % 4]!;
        const content = rf.file(path).content;
        const start = (i * 997) % content.length;
        const ranged = i % 3 === 0;
        return get(many, `/${path}`, ranged ? { headers: { Range: `bytes=${start}-` } } : {}).then((answer) => {
          assert.equal(answer.status, ranged ? 206 : 200, `${i} ${path}`);
          assert.ok(answer.body.equals(ranged ? content.subarray(start) : content), `client ${i}: wrong bytes for ${path}`);
        });
      });
      await Promise.all(jobs);
      assert.deepEqual(rf.tempFiles(fresh), []);
    } finally {
      await many.stop();
    }
  });

  it('SIGTERM mid-transfer of a large object that is not local stops cleanly and leaves no temp file', async () => {
    const proxy: FaultProxy = await startFaultProxy(rf.fx.server.endpoint);
    try {
      const fresh = await rf.lazyClone('clone-serve-sigterm');
      const big = rf.file(PATHS.big);
      // The object's GET sends 200 KB, then nothing: the download is under way when SIGTERM comes.
      await proxy.setFault({ method: 'GET', path: big.oid, action: { kind: 'stall', afterBytes: 200_000 } });
      const stalled = await startServe(fresh, { ...rf.fx.box.env, ...faultEnv(proxy, { idleMs: 60_000 }) });
      const reading = get(stalled, `/${PATHS.big}`).then(
        (answer) => answer,
        (err: Error) => err,
      );
      await until(() => rf.tempFiles(fresh).length > 0, 'a temp file of the download');
      stalled.child.kill('SIGTERM');
      const { code, signal } = await within(stalled.exited, 30_000, 'serve to stop after SIGTERM').finally(() => stalled.child.kill('SIGKILL'));
      assert.equal(signal, null);
      assert.equal(code, 0, stalled.stderr());
      assert.deepEqual(rf.tempFiles(fresh), []);
      assert.equal(existsSync(rf.readCacheObject(fresh, big.oid)), false);
      assert.equal(existsSync(join(fresh, '.git', 'lfs-lazy', 'serve.url')), false);
      const outcome = await reading;
      assert.ok(outcome instanceof Error || outcome.status >= 500, 'the cut request looked like a success');
      assert.ok(!stalled.stderr().includes(stalled.token), 'the token was logged');
    } finally {
      await proxy.close();
    }
  });

  it('store failures: an object missing from the bucket is 502, a store that keeps answering 503 is 503; one line each, logged without the token', async () => {
    const { oid } = rf.file(PATHS.gone);
    const putBack = await rf.fx.bucket.takeAway(oid);
    try {
      for (const headers of [{}, { Range: 'bytes=5-9' }]) {
        const answer = await get(served, `/${PATHS.gone}`, { headers });
        assert.equal(answer.status, 502, JSON.stringify(headers));
        assert.equal(answer.body.toString().trimEnd().split('\n').length, 1);
        assert.match(answer.body.toString(), new RegExp(`${PATHS.gone}.*${oid}.*missing`));
      }
    } finally {
      await putBack();
    }
    assert.deepEqual(rf.tempFiles(clone), []);
    assert.match(served.stderr(), new RegExp(oid));
    assert.ok(!served.stderr().includes(served.token));

    const proxy = await startFaultProxy(rf.fx.server.endpoint);
    const fresh = await rf.lazyClone('clone-serve-503');
    const throttled = await startServe(fresh, { ...rf.fx.box.env, ...faultEnv(proxy, { maxAttempts: 2 }) });
    try {
      await proxy.setFault({ method: 'GET', action: { kind: 'status', status: 503, code: 'SlowDown' } });
      const answer = await get(throttled, `/${PATHS.labels}`);
      assert.equal(answer.status, 503);
      await proxy.clearFault();
      const again = await get(throttled, `/${PATHS.labels}`);
      assert.equal(again.status, 200);
      assert.ok(again.body.equals(rf.file(PATHS.labels).content));
    } finally {
      await throttled.stop();
      await proxy.close();
    }
  });

  // The server makes its S3 path ready as soon as it listens (lifecycle.ts): a failure there must
  // neither stop it nor change what a read answers.
  it('without credentials it still serves what is here, and a read that needs the bucket fails in one line', async () => {
    const none = join(rf.fx.box.root, 'no-credentials');
    const env = { ...rf.fx.box.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_SESSION_TOKEN: '', AWS_PROFILE: '', AWS_SHARED_CREDENTIALS_FILE: none, AWS_CONFIG_FILE: none, AWS_EC2_METADATA_DISABLED: 'true' };
    const fresh = await rf.lazyClone('clone-serve-no-credentials');
    const local = PATHS.labels;
    await rf.fx.box.cli(['hydrate', local], { cwd: fresh });
    const uncredentialed = await startServe(fresh, env);
    try {
      const here = await get(uncredentialed, `/${local}`);
      assert.equal(here.status, 200);
      assert.ok(here.body.equals(rf.file(local).content));
      const remote = await get(uncredentialed, `/${PATHS.gone}`);
      assert.equal(remote.status >= 500, true, `${remote.status}`);
      assert.match(remote.body.toString(), /credentials/);
      assert.equal(remote.body.toString().trimEnd().split('\n').length, 1);
      assert.equal((await get(uncredentialed, `/${local}`)).status, 200, 'the server stopped answering');
    } finally {
      await uncredentialed.stop();
    }
  });

  it('caps connections: one past the limit is refused, and served again once others close', async () => {
    const port = Number(new URL(served.base!).port);
    const idle: Socket[] = [];
    try {
      while (idle.length < 256) {
        const socket = connect(port, '127.0.0.1');
        await once(socket, 'connect');
        idle.push(socket);
      }
      await assert.rejects(get(served, `/${PATHS.readme}`), /ECONNRESET|socket hang up|EPIPE/);
    } finally {
      for (const socket of idle) socket.destroy();
    }
    // The server counts a connection out once it sees it close: ask until it has.
    await until(async () => (await get(served, `/${PATHS.readme}`).catch(() => undefined))?.status === 200, 'a connection slot');
  });

  it('--idle-exit exits once that long has passed without a request', async () => {
    const idle = await startServe(clone, rf.fx.box.env, ['--idle-exit', '1']);
    const answer = await get(idle, `/${PATHS.readme}`);
    assert.equal(answer.status, 200);
    const last = Date.now();
    const { code } = await idle.exited;
    assert.equal(code, 0, idle.stderr());
    assert.ok(Date.now() - last >= 900, 'exited before the idle time was over');
    assert.equal(existsSync(join(clone, '.git', 'lfs-lazy', 'serve.url')), false);
  });

  it('a caller that closes stdout before the line does not stop the server: its URL is in the git dir', async () => {
    const fresh = await rf.lazyClone('serve-stdout-closed');
    const child = spawn(process.execPath, [CLI_PATH, 'serve'], { cwd: fresh, env: rf.fx.box.env, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reading end closed at once: the server's one write to stdout meets EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await until(() => stderr.includes('stdout is closed') || child.exitCode !== null, 'the note on stderr');
      assert.equal(child.exitCode, null, `the server exited: ${stderr}`);
      const line = (await readFile(join(fresh, '.git', 'lfs-lazy', 'serve.url'), 'utf8')).trim();
      const url = new URL(line);
      const token = url.searchParams.get('token') ?? '';
      const answer = await get({ base: url.origin, socketPath: undefined, token }, `/${PATHS.readme}`);
      assert.equal(answer.status, 200);
      assert.ok(!stderr.includes(token), 'the token is not logged');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0);
  });

  it('--socket listens on a Unix socket only its owner can open', async () => {
    const dir = join(tmpdir(), `lfs-lazy-serve-${process.pid}`);
    await mkdir(dir, { recursive: true });
    const socketPath = join(dir, 'serve.sock');
    const onSocket = await startServe(clone, rf.fx.box.env, ['--socket', socketPath]);
    try {
      assert.match(onSocket.line, /^http\+unix:\/\/%2F.*serve\.sock\/\?token=[A-Za-z0-9_-]{43}$/);
      assert.equal(statSync(socketPath).mode & 0o777, 0o600);
      const answer = await get(onSocket, `/${PATHS.readme}`);
      assert.ok(answer.body.equals(rf.file(PATHS.readme).content));
      assert.equal((await get(onSocket, `/${PATHS.readme}`, { token: false })).status, 401);
    } finally {
      const { code } = await onSocket.stop();
      assert.equal(code, 0);
    }
    assert.equal(existsSync(socketPath), false, 'the socket file outlived the server');
    await rm(dir, { recursive: true, force: true });
  });

  it('sees the index change under it: a file added while it runs is served with its new content and ETag', async () => {
    const before = await get(served, `/${PATHS.labels}`);
    assert.ok(before.body.equals(NEW_LABELS));
    const third = Buffer.from('{"third": 3}\n');
    await writeFile(join(clone, PATHS.labels), third);
    await rf.fx.box.git(['add', PATHS.labels], { cwd: clone });
    const after = await get(served, `/${PATHS.labels}`);
    assert.ok(after.body.equals(third), `stale: ${after.body.toString()}`);
    assert.equal(after.headers['etag'], `"${sha256(third)}"`);
    assert.notEqual(after.headers['etag'], before.headers['etag']);
  });

  it('logs nothing that holds the token', () => {
    assert.ok(!served.stderr().includes(served.token));
  });
});

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// Polls a condition the test cannot be told about (a file appearing), with a bound.
async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
