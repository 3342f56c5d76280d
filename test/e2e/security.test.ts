// Security end to end: credentials never reach output or logs (everything run at debug level with
// known fake secrets in the environment), committed credentials are refused, temp files and logs
// are owner-only, TLS certificates are always verified, and a file:// store cannot be left through
// symbolic links. Real git, git-lfs, lfs-lazy processes, s3rver on 127.0.0.1.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { openRepository } from '../../src/api/repository.js';
import { encodeData, encodeText, FLUSH } from '../../src/protocol/pkt-line.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';
import { CLI_PATH, makeSandbox, type RunResult, type Sandbox } from '../helpers/sandbox.js';
import { filePaths as filesUnder } from '../helpers/disk.js';

// Distinctive fakes: any of these in any output or file is a leak. s3rver checks only the access
// key id (S3RVER), never the signature, so the secret and token are used for real signing.
const SECRET = 'lfsLazyFakeSECRET/wJalrXUtnFEMI+K7MDENG/bPxRfiCY9q2Zs';
const TOKEN = 'lfsLazyFakeTOKEN//IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+fake==';
const BAD_KEY_ID = 'AKIALFSLAZYFAKE0001';
const S3RVER_KEY_ID = 'S3RVER';
const SECRETS = [SECRET, TOKEN, BAD_KEY_ID, S3RVER_KEY_ID, 'lfsLazyFake'];

function leaksIn(text: string): string[] {
  return SECRETS.filter((s) => text.includes(s));
}


const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

// An S3 that refuses every request the way AWS does for a bad signature: its error document echoes
// the canonical request — x-amz-security-token included — and the access key id.
async function startSignatureRefusingS3(): Promise<{ endpoint: string; requests: number; close(): Promise<void> }> {
  const state = { requests: 0 };
  const server = createHttpServer((req, res) => {
    state.requests++;
    req.resume();
    const keyId = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const canonical = `${req.method}\n${req.url}\n\nhost:${req.headers.host}\nx-amz-security-token:${String(req.headers['x-amz-security-token'])}\n`;
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>' +
      '<Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message>' +
      `<AWSAccessKeyId>${keyId}</AWSAccessKeyId><StringToSign>AWS4-HMAC-SHA256\n${keyId}</StringToSign>` +
      `<SignatureProvided>${req.headers.authorization ?? ''}</SignatureProvided><CanonicalRequest>${canonical}</CanonicalRequest>` +
      '<RequestId>LFSLAZYTEST</RequestId></Error>';
    res.writeHead(403, { 'content-type': 'application/xml' });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return state.requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('credentials never appear in output, errors, logs or doctor, at debug level', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let proxy: FaultProxy;
  let refusing: Awaited<ReturnType<typeof startSignatureRefusingS3>>;
  let logDir: string;
  const outputs: Array<{ what: string; text: string }> = [];
  let commits = 0;

  before(async () => {
    fx = await makeLfsFixture({
      files: [
        { path: 'data/a.bin', content: fileContent(1, 40_000) },
        { path: 'data/b.bin', content: fileContent(2, 30_000) },
      ],
    });
    proxy = await startFaultProxy(fx.server.endpoint);
    refusing = await startSignatureRefusingS3();
    logDir = join(fx.box.root, 'logs');
  });
  after(async () => {
    await refusing?.close();
    await proxy?.close();
    await fx?.cleanup();
  });

  // Debug logs to a file (LFS_LAZY_LOG_FILE) or, with `toStderr`, to stderr; GIT_TRACE=1 makes
  // git-lfs show the agent's stderr too.
  const env = (extra: NodeJS.ProcessEnv = {}, toStderr = false): NodeJS.ProcessEnv => ({
    AWS_SECRET_ACCESS_KEY: SECRET,
    AWS_SESSION_TOKEN: TOKEN,
    LFS_LAZY_LOG_LEVEL: 'debug',
    ...(toStderr ? {} : { LFS_LAZY_LOG_FILE: join(logDir, 'lfs-lazy.log') }),
    GIT_TRACE: '1',
    LFS_LAZY_ENDPOINT: proxy.endpoint,
    LFS_LAZY_MAX_ATTEMPTS: '2',
    LFS_LAZY_IDLE_TIMEOUT_MS: '1500',
    ...extra,
  });
  const record = (what: string, result: RunResult): RunResult => {
    outputs.push({ what, text: result.stdout + result.stderr });
    return result;
  };
  const cli = async (what: string, args: string[], cwd: string, e: NodeJS.ProcessEnv): Promise<RunResult> =>
    record(what, await fx.box.cli(args, { cwd, env: e, allowFail: true, timeoutMs: 60_000 }));
  const git = async (what: string, args: string[], cwd: string, e: NodeJS.ProcessEnv): Promise<RunResult> =>
    record(what, await fx.box.git(['-c', 'lfs.concurrenttransfers=1', ...args], { cwd, env: e, allowFail: true, timeoutMs: 60_000 }));

  async function commitNewFile(): Promise<string> {
    const content = fileContent(100 + ++commits, 20_000);
    await writeFile(join(fx.origin, 'data', `new${commits}.bin`), content);
    await fx.box.git(['add', '.'], { cwd: fx.origin });
    await fx.box.git(['commit', '-q', '-m', `new ${commits}`], { cwd: fx.origin });
    return sha256(content);
  }

  it('push, clone, hydrate, cat, status --remote, doctor and git lfs pull succeed and print no credential', async () => {
    await commitNewFile();
    const push = await git('push', ['push', 'origin', 'main'], fx.origin, env());
    assert.equal(push.code, 0, push.stderr);
    const eager = join(fx.box.root, 'eager');
    assert.equal((await git('hydrating clone', ['clone', fx.remote, eager], fx.box.root, env({ LFS_LAZY_HYDRATE: '*' }))).code, 0);
    assert.ok((await readFile(join(eager, 'data/a.bin'))).equals(fx.files[0]!.content));
    const clone = await fx.clone('lazy');
    for (const [what, args] of [
      ['hydrate', ['hydrate', 'data/a.bin']],
      ['cat', ['cat', 'data/b.bin']],
      ['status --remote', ['status', '--remote']],
      ['doctor', ['doctor']],
    ] as const) {
      for (const toStderr of [false, true]) {
        const result = await cli(what, [...args], clone, env({}, toStderr));
        assert.equal(result.code, 0, `${what}: ${result.stderr}`);
      }
    }
    const doctor = outputs.find((o) => o.what === 'doctor')!.text;
    assert.match(doctor, /credentials +environment \(AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY \+ AWS_SESSION_TOKEN\)/, 'doctor names the source, not the values');
    await rm(join(clone, '.git', 'lfs', 'objects'), { recursive: true, force: true });
    assert.equal((await git('git lfs pull', ['lfs', 'pull'], clone, env())).code, 0);
  });

  it('refused credentials, refused signatures and network faults fail with messages that carry no credential', async () => {
    const clone = await fx.clone('failing');
    const badKey = (toStderr: boolean): NodeJS.ProcessEnv => env({ AWS_ACCESS_KEY_ID: BAD_KEY_ID }, toStderr);
    const refused = (toStderr: boolean): NodeJS.ProcessEnv => env({ LFS_LAZY_ENDPOINT: refusing.endpoint }, toStderr);
    for (const [label, makeEnv] of [['unknown access key id', badKey], ['signature refused', refused]] as const) {
      for (const toStderr of [false, true]) {
        // Every command with the log file; the main ones again with the debug log on stderr.
        const commands = [
          ['hydrate', ['hydrate', 'data/a.bin']],
          ['cat', ['cat', 'data/b.bin']],
          ['status --remote', ['status', '--remote']],
          ['doctor', ['doctor']],
        ] as const;
        for (const [what, args] of toStderr ? commands.slice(0, 1) : commands) {
          const result = await cli(`${what} (${label})`, [...args], clone, makeEnv(toStderr));
          assert.notEqual(result.code, 0, `${what} (${label}) must fail`);
          assert.match(result.stdout + result.stderr, /access denied|credentials were refused/);
        }
        if (toStderr && label === 'unknown access key id') continue;
        // The agent: its log goes to the file, or through git-lfs's trace to stderr.
        await commitNewFile();
        const push = await git(`push (${label})`, ['push', 'origin', 'main'], fx.origin, makeEnv(toStderr));
        assert.notEqual(push.code, 0);
        assert.match(push.stderr, /credentials were refused/);
      }
    }
    assert.ok(refusing.requests > 0, 'the refusing server was asked');

    // Faults through the proxy: refusal, server errors (retried), a stalled answer (timed out).
    await commitNewFile();
    for (const [what, fault] of [
      ['403', { method: 'GET', action: { kind: 'status', status: 403 } }],
      ['500', { method: 'GET', action: { kind: 'status', status: 500 } }],
      ['stall', { method: 'GET', action: { kind: 'stall' } }],
    ] as const) {
      await proxy.setFault(fault);
      const result = await cli(`hydrate (${what})`, ['hydrate', 'data/b.bin'], clone, env({ LFS_LAZY_MAX_ATTEMPTS: what === 'stall' ? '1' : '2' }));
      assert.equal(result.code, 1, `hydrate under ${what}`);
      if (what === 'stall') continue;
      await proxy.setFault({ ...fault, method: 'PUT' });
      const push = await git(`push (${what})`, ['push', 'origin', 'main'], fx.origin, env());
      assert.notEqual(push.code, 0, `push under ${what}`);
    }
    await proxy.clearFault();
  });

  it('no credential anywhere: command output, stderr logs, the log file, files under the sandbox', async () => {
    assert.ok(outputs.length >= 25, `${outputs.length} outputs recorded`);
    for (const { what, text } of outputs) assert.deepEqual(leaksIn(text), [], `${what} printed a credential:\n${text}`);
    const logFile = join(logDir, 'lfs-lazy.log');
    const log = await readFile(logFile, 'utf8');
    assert.match(log, /"level":20/, 'the log holds debug lines');
    assert.match(log, /access denied/, 'and the failures');
    assert.deepEqual(leaksIn(log), []);
    assert.equal(await modeOf(logFile), 0o600, 'the log file is owner-only');
    for (const file of await filesUnder(fx.box.root)) {
      if ((await stat(file)).size > 20_000_000) continue;
      assert.deepEqual(leaksIn((await readFile(file)).toString('latin1')), [], `${file} holds a credential`);
    }
  });
});

describe('a committed config carrying credentials is refused with a message', { timeout: 180_000 }, () => {
  let fx: LfsFixture;

  before(async () => {
    fx = await makeLfsFixture({ files: [{ path: 'data/a.bin', content: fileContent(3, 10_000) }] });
  });
  after(() => fx?.cleanup());

  const commands: Array<[string, string[]]> = [
    ['hydrate', ['hydrate', 'data']],
    ['status --remote', ['status', '--remote']],
    ['cat', ['cat', 'data/a.bin']],
  ];

  for (const [label, line, key, everything] of [
    ['a secret key', `secretAccessKey = ${SECRET}`, 'secretaccesskey', true],
    ['a session token', `sessionToken = ${TOKEN}`, 'sessiontoken', false],
    ['an access key id', `awsAccessKeyId = ${BAD_KEY_ID}`, 'awsaccesskeyid', false],
  ] as const) {
    it(`refuses ${label} in .lfslazyconfig${everything ? ' in every command' : ''}, naming the key and never the value`, async () => {
      const clone = await fx.clone(`committed-${key}`);
      const config = join(clone, '.lfslazyconfig');
      await writeFile(config, `${await readFile(config, 'utf8')}\t${line}\n`);
      await fx.box.git(['commit', '-q', '-am', 'oops: a credential'], { cwd: clone });
      const expected = new RegExp(`\\.lfslazyconfig \\(working tree\\) contains the credential-like key "lfs-lazy\\.${key}"; lfs-lazy never reads credentials from config`);
      for (const [what, args] of everything ? commands : commands.slice(0, 1)) {
        const result = await fx.box.cli(args, { cwd: clone, allowFail: true });
        assert.equal(result.code, 78, `${what}: ${result.stderr}`);
        assert.match(result.stderr, expected, what);
        assert.deepEqual(leaksIn(result.stdout + result.stderr), [], what);
      }
      if (!everything) return;
      const doctor = await fx.box.cli(['doctor'], { cwd: clone, allowFail: true });
      assert.equal(doctor.code, 1);
      assert.match(doctor.stdout, /FAIL config/);
      assert.match(doctor.stdout, expected);
      assert.deepEqual(leaksIn(doctor.stdout + doctor.stderr), []);
      // The agent answers every transfer with the refusal: the push fails, naming the key.
      await writeFile(join(clone, 'data/new.bin'), fileContent(40, 1_000));
      await fx.box.git(['add', '.'], { cwd: clone });
      await fx.box.git(['commit', '-q', '-m', 'new'], { cwd: clone });
      const push = await fx.box.git(['push', 'origin', 'HEAD:refs/heads/leak'], { cwd: clone, allowFail: true });
      assert.notEqual(push.code, 0);
      assert.match(push.stderr, new RegExp(`credential-like key \\\\?"lfs-lazy\\.${key}`));
      assert.deepEqual(leaksIn(push.stdout + push.stderr), []);
    });
  }

  it('refuses credential-like keys in git config and credentials inside an endpoint or store URL, without echoing them', async () => {
    const clone = await fx.clone('per-user');
    await fx.box.git(['config', 'lfs-lazy.password', SECRET], { cwd: clone });
    const viaGitConfig = await fx.box.cli(['status', '--remote'], { cwd: clone, allowFail: true });
    assert.equal(viaGitConfig.code, 78);
    assert.match(viaGitConfig.stderr, /git config contains the credential-like key "lfs-lazy\.password"/);
    assert.deepEqual(leaksIn(viaGitConfig.stderr), []);
    await fx.box.git(['config', '--unset', 'lfs-lazy.password'], { cwd: clone });

    for (const [what, extra, pattern] of [
      ['endpoint', { LFS_LAZY_ENDPOINT: `http://${BAD_KEY_ID}:${SECRET}@127.0.0.1:9` }, /lfs-lazy\.endpoint: the URL contains a user name or password/],
      ['AWS_ENDPOINT_URL', { AWS_ENDPOINT_URL: `http://${BAD_KEY_ID}:${SECRET}@127.0.0.1:9` }, /lfs-lazy\.endpoint: the URL contains a user name or password/],
      ['url', { LFS_LAZY_URL: `s3://${BAD_KEY_ID}:${SECRET}@bucket/prefix` }, /lfs-lazy\.url: the URL contains a user name or password/],
    ] as const) {
      for (const args of [['status', '--remote'], ['doctor']]) {
        const result = await fx.box.cli(args, { cwd: clone, env: extra, allowFail: true });
        assert.notEqual(result.code, 0, `${what} ${args[0]}`);
        assert.match(result.stdout + result.stderr, pattern, `${what} ${args[0]}`);
        assert.deepEqual(leaksIn(result.stdout + result.stderr), [], `${what} ${args[0]}`);
      }
    }
  });
});

describe('temp files, state files and logs are owner-only', { timeout: 180_000 }, () => {
  let fx: LfsFixture;
  let proxy: FaultProxy;

  before(async () => {
    fx = await makeLfsFixture({ files: [{ path: 'data/big.bin', content: fileContent(5, 300_000) }] });
    proxy = await startFaultProxy(fx.server.endpoint);
  });
  after(async () => {
    await proxy?.close();
    await fx?.cleanup();
  });

  const stallEnv = (): NodeJS.ProcessEnv => ({ LFS_LAZY_ENDPOINT: proxy.endpoint, LFS_LAZY_IDLE_TIMEOUT_MS: '3000', LFS_LAZY_MAX_ATTEMPTS: '1' });

  // Runs `start` while a download stalls half-way, and returns the modes of the temp files and
  // directories under `dir` seen meanwhile.
  async function modesDuringStall(dir: string, start: () => Promise<RunResult>): Promise<Map<string, { mode: number; dir: boolean }>> {
    await proxy.setFault({ method: 'GET', action: { kind: 'stall', afterBytes: 100_000 } });
    const seen = new Map<string, { mode: number; dir: boolean }>();
    const running = start();
    let done = false;
    void running.finally(() => (done = true));
    while (!done) {
      for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])) {
        const path = join(entry.parentPath, entry.name);
        const info = await stat(path).catch(() => undefined);
        if (info) seen.set(path, { mode: info.mode & 0o777, dir: entry.isDirectory() });
      }
      await sleep(50);
    }
    await running;
    await proxy.clearFault();
    return seen;
  }

  it('hydrate writes its download into an owner-only temp file, and keeps its hydrated set owner-only', async () => {
    const clone = await fx.clone('hydrate');
    const tmp = join(clone, '.git', 'lfs', 'tmp');
    const tmpExisted = await stat(tmp).then(() => true, () => false);
    const seen = await modesDuringStall(join(clone, '.git', 'lfs'), () =>
      fx.box.cli(['hydrate', 'data'], { cwd: clone, env: stallEnv(), allowFail: true }),
    );
    const temps = [...seen].filter(([path, info]) => !info.dir && path.startsWith(tmp));
    assert.ok(temps.length > 0, 'a temp file was seen during the stall');
    for (const [path, info] of temps) assert.equal(info.mode, 0o600, path);
    if (!tmpExisted) assert.equal(seen.get(tmp)?.mode, 0o700, 'lfs-lazy created .git/lfs/tmp owner-only');
    assert.equal(await modeOf(join(clone, '.git', 'lfs-lazy', 'hydrated')), 0o600);
    await fx.box.cli(['hydrate', 'data'], { cwd: clone });
    assert.ok((await readFile(join(clone, 'data/big.bin'))).equals(fx.files[0]!.content));
  });

  it('the agent downloads into an owner-only directory and file under .git/lfs/tmp', async () => {
    const clone = await fx.clone('pull');
    const seen = await modesDuringStall(join(clone, '.git', 'lfs', 'tmp'), () =>
      fx.box.git(['-c', 'lfs.concurrenttransfers=1', 'lfs', 'pull'], { cwd: clone, env: stallEnv(), allowFail: true }),
    );
    const ours = [...seen].filter(([path]) => /\/lfs-lazy-[^/]+(\/[^/]+)?$/.test(path));
    assert.ok(ours.some(([, info]) => info.dir) && ours.some(([, info]) => !info.dir), `seen: ${[...seen.keys()].join(', ')}`);
    for (const [path, info] of ours) assert.equal(info.mode, info.dir ? 0o700 : 0o600, path);
  });

  it('the clean filter stores content through an owner-only temp file', async () => {
    const repo = join(fx.box.root, 'clean-repo');
    await fx.box.git(['init', '-q', repo]);
    const child = spawn(process.execPath, [CLI_PATH, 'filter-process'], { cwd: repo, env: fx.box.env, stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      child.stdout.resume();
      child.stderr.resume();
      child.stdin.on('error', () => undefined);
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      // Beyond what the clean filter holds in memory (8 MiB), so it goes through a temp file.
      const content = fileContent(9, 10 * 1024 * 1024);
      const packets: Buffer[] = [];
      for (let at = 0; at < content.length; at += 60_000) packets.push(encodeData(content.subarray(at, at + 60_000)));
      const half = Math.ceil((9 * 1024 * 1024) / 60_000);
      const hello = [encodeText('git-filter-client'), encodeText('version=2'), FLUSH, encodeText('capability=clean'), FLUSH];
      const header = [encodeText('command=clean'), encodeText('pathname=big.bin'), FLUSH];
      // The first 9 MiB, then a pause with the temp file open.
      child.stdin.write(Buffer.concat([...hello, ...header, ...packets.slice(0, half)]));
      const tmp = join(repo, '.git', 'lfs', 'tmp');
      let temp: string | undefined;
      for (let i = 0; i < 400 && temp === undefined; i++) {
        await sleep(25);
        temp = (await filesUnder(tmp)).find((p) => p.includes('ingest-'));
      }
      assert.ok(temp, 'the ingest temp file appeared');
      assert.equal(await modeOf(temp), 0o600);
      child.stdin.end(Buffer.concat([...packets.slice(half), FLUSH]));
      assert.equal(await exited, 0);
      assert.deepEqual(await filesUnder(tmp), []);
      const oid = sha256(content);
      assert.ok((await readFile(join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid))).equals(content));
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });

  it('the log file is created owner-only, by commands and by the agent', async () => {
    const clone = await fx.clone('logs');
    const commandLog = join(fx.box.root, 'log-dir', 'command.log');
    await fx.box.cli(['status', '--remote'], { cwd: clone, env: { LFS_LAZY_LOG_FILE: commandLog, LFS_LAZY_LOG_LEVEL: 'debug' } });
    await fx.box.cli(['hydrate', 'data'], { cwd: clone, env: { LFS_LAZY_LOG_FILE: commandLog, LFS_LAZY_LOG_LEVEL: 'debug' } });
    assert.ok((await stat(commandLog)).size > 0);
    assert.equal(await modeOf(commandLog), 0o600);
    const agentLog = join(fx.box.root, 'agent.log');
    await rm(join(clone, '.git', 'lfs', 'objects'), { recursive: true, force: true });
    await fx.box.git(['lfs', 'pull'], { cwd: clone, env: { LFS_LAZY_LOG_FILE: agentLog, LFS_LAZY_LOG_LEVEL: 'debug' } });
    assert.ok((await stat(agentLog)).size > 0);
    assert.equal(await modeOf(agentLog), 0o600);
  });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe('TLS certificates are always verified', { timeout: 180_000, skip: hasOpenssl ? false : 'openssl is not installed' }, () => {
  let fx: LfsFixture;
  let certDir: string;
  const servers: Server[] = [];

  before(async () => {
    fx = await makeLfsFixture({ files: [{ path: 'data/a.bin', content: fileContent(6, 20_000) }, { path: 'data/big.bin', content: fileContent(7, 3_000_000) }] });
    certDir = join(fx.box.root, 'certs');
    await mkdir(certDir);
    for (const [name, san] of [['self', 'IP:127.0.0.1'], ['other', 'DNS:other.invalid']]) {
      execFileSync('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=${san}`,
        '-keyout', join(certDir, `${name}.key`), '-out', join(certDir, `${name}.pem`),
      ], { stdio: 'ignore' });
    }
  });
  after(async () => {
    for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
    await fx?.cleanup();
  });

  // An HTTPS front for s3rver with the given certificate: a good certificate would make it work.
  async function httpsFront(name: string): Promise<string> {
    const upstream = new URL(fx.server.endpoint);
    const server = createHttpsServer({ key: await readFile(join(certDir, `${name}.key`)), cert: await readFile(join(certDir, `${name}.pem`)) }, (req, res) => {
      const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('a self-signed certificate fails every command with a TLS message and no retry; trusting it with NODE_EXTRA_CA_CERTS works', async () => {
    const endpoint = await httpsFront('self');
    const clone = await fx.clone('tls');
    const env = { LFS_LAZY_ENDPOINT: endpoint };
    const tlsMessage = new RegExp(`the TLS certificate of ${endpoint.replace(/\./g, '\\.')} was not accepted \\(self-signed certificate; DEPTH_ZERO_SELF_SIGNED_CERT\\)`);
    for (const args of [['status', '--remote'], ['hydrate', 'data'], ['cat', 'data/a.bin']]) {
      const started = Date.now();
      const result = await fx.box.cli(args, { cwd: clone, env, allowFail: true });
      assert.notEqual(result.code, 0, args[0]);
      assert.match(result.stderr, tlsMessage, args[0]);
      assert.match(result.stderr, /NODE_EXTRA_CA_CERTS/);
      assert.doesNotMatch(result.stderr, /after \d+ attempts/, 'a certificate failure is not retried');
      assert.ok(Date.now() - started < 10_000);
    }
    const doctor = await fx.box.cli(['doctor'], { cwd: clone, env, allowFail: true });
    assert.equal(doctor.code, 1);
    assert.match(doctor.stdout, /FAIL bucket .*TLS certificate .*not accepted/);
    await writeFile(join(clone, 'data/new.bin'), fileContent(60, 5_000));
    await fx.box.git(['add', '.'], { cwd: clone });
    await fx.box.git(['commit', '-q', '-m', 'new'], { cwd: clone });
    const push = await fx.box.git(['-c', 'lfs.concurrenttransfers=1', 'push', 'origin', 'HEAD:refs/heads/tls'], { cwd: clone, env, allowFail: true });
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, new RegExp(`${sha256(fileContent(60, 5_000))}.*TLS certificate .*not accepted`));

    const trusted = await fx.box.cli(['status', '--remote', '--json'], { cwd: clone, env: { ...env, NODE_EXTRA_CA_CERTS: join(certDir, 'self.pem') } });
    const files = (JSON.parse(trusted.stdout) as { files: Array<{ path: string; remote: boolean }> }).files;
    assert.equal(files.find((f) => f.path === 'data/a.bin')?.remote, true, 'with the certificate trusted, the same endpoint works');
    // A body over TLS (lfs-lazy's own connections read it into their slabs): every byte.
    await fx.box.cli(['hydrate', 'data'], { cwd: clone, env: { ...env, NODE_EXTRA_CA_CERTS: join(certDir, 'self.pem') } });
    assert.ok((await readFile(join(clone, 'data/a.bin'))).equals(fileContent(6, 20_000)));
    assert.ok((await readFile(join(clone, 'data/big.bin'))).equals(fileContent(7, 3_000_000)));
  });

  it('a trusted certificate for another host name is refused', async () => {
    const endpoint = await httpsFront('other');
    const clone = await fx.clone('tls-name');
    const result = await fx.box.cli(['status', '--remote'], {
      cwd: clone,
      env: { LFS_LAZY_ENDPOINT: endpoint, NODE_EXTRA_CA_CERTS: join(certDir, 'other.pem') },
      allowFail: true,
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /TLS certificate of https:\/\/127\.0\.0\.1:\d+ was not accepted \(.*ERR_TLS_CERT_ALTNAME_INVALID\)/);
  });
});

describe('a file:// store cannot be left through crafted input or symbolic links', { timeout: 180_000 }, () => {
  let box: Sandbox;
  let origin: string;
  let remote: string;
  let store: string;
  let outside: string;
  const content = fileContent(11, 30_000);
  const oid = sha256(content);
  const shard = (o: string): string => join(store, o.slice(0, 2), o.slice(2, 4), o);

  before(async () => {
    box = await makeSandbox();
    origin = join(box.root, 'origin');
    remote = join(box.root, 'remote.git');
    store = join(box.root, 'store');
    outside = join(box.root, 'outside');
    await mkdir(outside);
    await box.git(['init', '-q', '--bare', remote]);
    await box.git(['init', '-q', origin]);
    await box.cli(['install']);
    await box.cli(['install', '--url', `file://${store}`], { cwd: origin });
    await box.git(['lfs', 'track', '*.bin'], { cwd: origin });
    await mkdir(join(origin, 'data'));
    await writeFile(join(origin, 'data/a.bin'), content);
    await box.git(['add', '.'], { cwd: origin });
    await box.git(['commit', '-q', '-m', 'data'], { cwd: origin });
    await box.git(['remote', 'add', 'origin', remote], { cwd: origin });
    await box.git(['push', '-q', 'origin', 'main'], { cwd: origin });
    assert.ok((await readFile(shard(oid))).equals(content));
  });
  after(() => box?.cleanup());

  const clone = async (name: string): Promise<string> => {
    const dir = join(box.root, name);
    await box.git(['clone', '-q', remote, dir]);
    return dir;
  };

  it('a shard directory linked outside the store is not read from', async () => {
    const moved = join(outside, 'shard');
    await rename(join(store, oid.slice(0, 2)), moved);
    await symlink(moved, join(store, oid.slice(0, 2)));
    try {
      const dir = await clone('linked-shard');
      const hydrate = await box.cli(['hydrate', 'data'], { cwd: dir, allowFail: true });
      assert.equal(hydrate.code, 1);
      assert.match(hydrate.stderr, new RegExp(`data/a.bin: .*${oid} leads outside the store, to ${moved}.*through a symbolic link`));
      const cat = await box.cli(['cat', 'data/a.bin'], { cwd: dir, allowFail: true });
      assert.equal(cat.code, 1);
      assert.equal(cat.stdout, '');
      assert.match(cat.stderr, /leads outside the store/);
    } finally {
      await rm(join(store, oid.slice(0, 2)));
      await rename(moved, join(store, oid.slice(0, 2)));
    }
  });

  it('an object linked to a file outside the store is not read, not even as an unverified byte range', async () => {
    const secretFile = join(outside, 'private.txt');
    await writeFile(secretFile, `PRIVATE ${'x'.repeat(content.length - 8)}`);
    const saved = join(outside, 'saved-object');
    await rename(shard(oid), saved);
    await symlink(secretFile, shard(oid));
    try {
      const dir = await clone('linked-object');
      const cat = await box.cli(['cat', 'data/a.bin'], { cwd: dir, allowFail: true });
      assert.equal(cat.code, 1);
      assert.match(cat.stderr, /leads outside the store, to .*private\.txt/);
      // A range read cannot be hashed: without the check it would return the linked file's bytes.
      const repo = await openRepository(dir, { env: { LFS_LAZY_URL: `file://${store}` } });
      try {
        const chunks: Buffer[] = [];
        const failure = await new Promise<Error | undefined>((resolve) => {
          repo.createReadStream('data/a.bin', { start: 0, end: 9 })
            .on('data', (c: Buffer) => chunks.push(c))
            .on('error', resolve)
            .on('end', () => resolve(undefined));
        });
        assert.match(String(failure?.message), /leads outside the store/);
        assert.doesNotMatch(Buffer.concat(chunks).toString(), /PRIVATE/);
      } finally {
        repo.close();
      }
    } finally {
      await rm(shard(oid));
      await rename(saved, shard(oid));
    }
  });

  it('a store tmp or shard directory linked outside is not written to; a store that is itself a link works', async () => {
    const target = join(outside, 'tmp-target');
    await mkdir(target);
    await rm(join(store, 'tmp'), { recursive: true, force: true });
    await symlink(target, join(store, 'tmp'));
    const next = fileContent(12, 10_000);
    await writeFile(join(origin, 'data/b.bin'), next);
    await box.git(['add', '.'], { cwd: origin });
    await box.git(['commit', '-q', '-m', 'b'], { cwd: origin });
    const push = await box.git(['-c', 'lfs.concurrenttransfers=1', 'push', 'origin', 'main'], { cwd: origin, allowFail: true });
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, new RegExp(`${sha256(next)}.*leads outside the store`));
    assert.deepEqual(await filesUnder(target), [], 'nothing written through the link');
    await rm(join(store, 'tmp'));

    // The shard directory the new object needs, linked outside.
    const nextOid = sha256(next);
    const shardTarget = join(outside, 'shard-target');
    await mkdir(shardTarget);
    await rm(join(store, nextOid.slice(0, 2)), { recursive: true, force: true });
    await symlink(shardTarget, join(store, nextOid.slice(0, 2)));
    const again = await box.git(['-c', 'lfs.concurrenttransfers=1', 'push', 'origin', 'main'], { cwd: origin, allowFail: true });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /leads outside the store/);
    assert.deepEqual(await filesUnder(shardTarget), []);
    await rm(join(store, nextOid.slice(0, 2)));

    // A store directory that is a symbolic link as a whole is fine: links inside it are the issue.
    const linkedStore = join(box.root, 'store-link');
    await symlink(store, linkedStore);
    const pushed = await box.git(['push', 'origin', 'main'], { cwd: origin, env: { LFS_LAZY_URL: `file://${linkedStore}` } });
    assert.equal(pushed.code, 0);
    assert.ok((await readFile(shard(nextOid))).equals(next));
    const dir = await clone('via-link');
    await box.cli(['hydrate', 'data'], { cwd: dir, env: { LFS_LAZY_URL: `file://${linkedStore}` } });
    assert.ok((await readFile(join(dir, 'data/b.bin'))).equals(next));
  });

  it('a store URL with ".." segments or a host in a file URL is refused', async () => {
    const dir = await clone('bad-url');
    for (const [url, pattern] of [
      ['s3://bucket/../other', /the prefix has an empty, "\." or "\.\." segment/],
      ['s3://bucket/a/../../b', /the prefix has an empty, "\." or "\.\." segment/],
      ['file://host/dir', /needs an absolute path \(three slashes\)/],
    ] as const) {
      const result = await box.cli(['status', '--remote'], { cwd: dir, env: { LFS_LAZY_URL: url, LFS_LAZY_ENDPOINT: 'http://127.0.0.1:9' }, allowFail: true });
      assert.notEqual(result.code, 0, url);
      assert.match(result.stderr, pattern, url);
    }
  });
});
