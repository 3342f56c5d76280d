// Bad input end to end: real spawned `lfs-lazy agent` and `lfs-lazy filter-process` processes fed
// malformed transcripts, malformed pointers committed to a real repository and pushed to s3rver,
// and bucket objects whose bytes do not match their oid. Each case ends with a clear message and,
// where the protocol allows going on, a process that keeps serving; nothing is created outside the
// store, no request names an invalid key, and no output stream carries anything but protocol bytes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PktLineReader, encodeData, encodeText, FLUSH, type PktFrame } from '../../src/protocol/pkt-line.js';
import { encodePointer } from '../../src/protocol/pointer.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';
import { CLI_PATH, makeSandbox, type Sandbox } from '../helpers/sandbox.js';
import { startS3rver, testS3Env, type S3rverHandle } from '../helpers/s3rver.js';
import { bucketView } from '../helpers/lfs-fixture.js';
import { assertLocalObjectsIntact, fileNames as filesUnder } from '../helpers/disk.js';

interface Spawned {
  stdout: Buffer;
  stderr: string;
  code: number | null;
}

// Runs the CLI with `input` on stdin; stdout kept as bytes. A hang is a failure, not a stuck suite.
function spawnCli(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input: Buffer | string; timeoutMs?: number }): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_PATH, ...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    let outBytes = 0;
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      // A runaway writer (answering the same bad bytes forever) must not exhaust the test's memory.
      if (outBytes > 4 * 1024 * 1024) child.kill('SIGKILL');
      else out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lfs-lazy ${args.join(' ')} did not finish within ${options.timeoutMs ?? 30_000} ms\n${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (outBytes > 4 * 1024 * 1024) reject(new Error(`lfs-lazy ${args.join(' ')} wrote more than 4 MiB to stdout`));
      else resolve({ stdout: Buffer.concat(out), stderr, code });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input);
  });
}

// Every file and directory under `root`, relative, `/`-separated.
async function treeOf(root: string): Promise<Set<string>> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return new Set(entries.map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/')));
}


const ESCAPE_NAME = `lfs-lazy-escape-${randomBytes(4).toString('hex')}`;
const HEX = (c: string): string => c.repeat(64);

// Oids that must never become a path or a key: traversal, absolute paths, wrong case or length,
// separators and encodings. Each is sent in a well-formed request, so only the oid is wrong.
const BAD_OIDS = [
  `../../../../../../../../tmp/${ESCAPE_NAME}`,
  `../${ESCAPE_NAME}`,
  `/tmp/${ESCAPE_NAME}`,
  `${HEX('a')}/../../${ESCAPE_NAME}`,
  `${HEX('a').slice(0, 62)}/..`,
  HEX('A'),
  HEX('a').slice(0, 63),
  `${HEX('a')}0`,
  `${HEX('a').slice(0, 60)}%2e%2e`,
  `${HEX('a').slice(0, 63)}\n`,
  `${HEX('a').slice(0, 63)}\u0000`,
  '',
];

interface AgentLine {
  event?: string;
  oid?: string;
  path?: string;
  error?: { code: number; message: string };
  bytesSoFar?: number;
  bytesSinceLast?: number;
}

// Every stdout line must be one JSON object of the protocol: {} (init), progress or complete.
function protocolLines(stdout: Buffer): AgentLine[] {
  const text = stdout.toString('utf8');
  assert.ok(text === '' || text.endsWith('\n'), 'stdout ends with a newline');
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => {
      const value = JSON.parse(line) as AgentLine;
      assert.equal(typeof value, 'object');
      const keys = Object.keys(value).sort().join(',');
      if (keys === '') return value;
      if (value.event === 'progress') {
        assert.equal(keys, 'bytesSinceLast,bytesSoFar,event,oid', line);
        return value;
      }
      assert.equal(value.event, 'complete', line);
      assert.equal(typeof value.oid, 'string', line);
      assert.ok(['event,oid', 'event,oid,path', 'error,event,oid'].includes(keys), `unexpected fields in ${line}`);
      if (value.error) {
        assert.equal(typeof value.error.code, 'number', line);
        assert.equal(typeof value.error.message, 'string', line);
        assert.ok(value.error.message.length > 0 && !value.error.message.includes('\n'), line);
      }
      return value;
    });
}

const completes = (lines: AgentLine[]): AgentLine[] => lines.filter((l) => l.event === 'complete');

describe('the agent process under bad input on stdin', { timeout: 180_000 }, () => {
  let box: Sandbox;
  let server: S3rverHandle;
  let proxy: FaultProxy;
  let repo: string;
  let storeDir: string;
  const content = fileContent(7, 5_000);
  const oid = sha256(content);
  let objectFile: string;

  before(async () => {
    server = await startS3rver();
    proxy = await startFaultProxy(server.endpoint);
    box = await makeSandbox(testS3Env(server.endpoint));
    repo = join(box.root, 'repo');
    storeDir = join(box.root, 'store');
    await box.git(['init', '-q', repo]);
    objectFile = join(box.root, 'object.bin');
    await writeFile(objectFile, content);
  });
  after(async () => {
    await proxy?.close();
    await box?.cleanup();
    await server?.stop();
  });

  const stores = {
    file: () => ({ LFS_LAZY_URL: `file://${storeDir}` }),
    s3: () => ({ LFS_LAZY_URL: `s3://${server.bucket}/bad-input`, LFS_LAZY_ENDPOINT: proxy.endpoint, LFS_LAZY_MAX_ATTEMPTS: '2' }),
  };

  const init = (operation: string): string => JSON.stringify({ event: 'init', operation, remote: 'origin', concurrent: true, concurrenttransfers: 1 });
  const upload = (o: unknown, size: unknown = content.length, path: unknown = objectFile): string =>
    JSON.stringify({ event: 'upload', oid: o, size, path, action: null });
  const download = (o: unknown, size: unknown = content.length): string => JSON.stringify({ event: 'download', oid: o, size, action: null });
  const terminate = JSON.stringify({ event: 'terminate' });

  for (const kind of ['file', 's3'] as const) {
    it(`answers malformed and oversized lines, unknown events and invalid oids with protocol JSON only, and stays up (${kind} store)`, async () => {
      const before = await treeOf(box.root);
      proxy.resetCounters();
      const oversizedPad = 'x'.repeat(1024 * 1024 + 10);
      const transcript = [
        init('upload'),
        'this is not JSON',
        `{"event":"upload","oid":"${HEX('e')}","size":5,"path":"/x","action":{"pad":"${oversizedPad}"}}`,
        `{"pad":"${oversizedPad}"}`,
        '[1,2,3]',
        '',
        '{"event":"upload","oid":',
        JSON.stringify({ event: 'frobnicate', oid: HEX('b') }),
        JSON.stringify({ event: 'frobnicate' }),
        JSON.stringify({ oid: HEX('c') }),
        ...BAD_OIDS.map((bad) => upload(bad)),
        upload(HEX('d'), 'five'),
        // JSON.parse reads 1e400 as Infinity (JSON.stringify would write null): sent as written.
        `{"event":"upload","oid":"${HEX('d')}","size":1e400,"path":"/x","action":null}`,
        upload(HEX('d'), -1),
        upload(HEX('d'), content.length, 'relative/object.bin'),
        // The file has 5,000 bytes; the request says one more.
        upload(oid, content.length + 1),
        // Still serving: the real object goes through.
        upload(oid),
        terminate,
        upload(HEX('f')),
      ].join('\n');
      const run = await spawnCli(['agent'], { cwd: repo, env: { ...box.env, ...stores[kind]() }, input: `${transcript}\n` });
      assert.equal(run.code, 0, run.stderr);
      const lines = protocolLines(run.stdout);
      assert.deepEqual(lines[0], {}, 'init is answered first');
      const answers = completes(lines);
      const expected = [HEX('e'), HEX('b'), HEX('c'), ...BAD_OIDS, HEX('d'), HEX('d'), HEX('d'), HEX('d'), oid, oid];
      assert.deepEqual(
        answers.map((a) => a.oid),
        expected,
        'one complete for every request that named an oid (as a string), in order; nothing after terminate',
      );
      const byIndex = (i: number): AgentLine => answers[i]!;
      assert.match(byIndex(0).error!.message, /input line longer than 1048576 bytes/);
      assert.match(byIndex(1).error!.message, /unknown event "frobnicate"/);
      assert.match(byIndex(2).error!.message, /no "event" field/);
      BAD_OIDS.forEach((_, i) => assert.match(byIndex(3 + i).error!.message, /invalid oid .*expected 64 lowercase hex characters/));
      const sizes = answers.slice(3 + BAD_OIDS.length, 3 + BAD_OIDS.length + 3);
      assert.match(sizes[0]!.error!.message, /invalid size "five"/);
      assert.match(sizes[1]!.error!.message, /invalid size Infinity/);
      assert.match(sizes[2]!.error!.message, /invalid size -1/);
      assert.match(byIndex(expected.length - 3).error!.message, /needs the absolute path of the local object, got "relative\/object.bin"/);
      assert.match(byIndex(expected.length - 2).error!.message, new RegExp(`local object ${oid} at .* has 5000 bytes, expected 5001`));
      assert.equal(byIndex(expected.length - 1).error, undefined, 'the valid upload succeeds');
      // The unreadable lines are logged (stderr without a log file), never written to stdout.
      assert.match(run.stderr, /request is not JSON/);
      assert.match(run.stderr, /request must be a JSON object, got an array/);

      // Nothing was created outside the store (and git's own lfs dir).
      const created = [...(await treeOf(box.root))].filter((p) => !before.has(p));
      const allowed = kind === 'file' ? ['store', 'repo/.git/lfs'] : ['repo/.git/lfs'];
      const stray = created.filter((p) => !allowed.some((a) => p === a || p.startsWith(`${a}/`)));
      assert.deepEqual(stray, [], 'no file outside the store');
      assert.ok(!created.some((p) => p.includes(ESCAPE_NAME)));
      assert.deepEqual((await readdir(tmpdir())).filter((n) => n.includes(ESCAPE_NAME)), []);
      if (kind === 'file') {
        assert.deepEqual(await filesUnder(join(storeDir, oid.slice(0, 2))), [oid], 'only the valid object is in the store');
      } else {
        // No request ever named anything but a valid sharded key.
        const keyPattern = new RegExp(`^/${server.bucket}/bad-input/[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})(\\?|$)`);
        assert.ok(proxy.seen.length > 0);
        for (const request of proxy.seen) {
          const match = keyPattern.exec(request.url);
          assert.ok(match, `request ${request.method} ${request.url} names an invalid key`);
          assert.equal(match[1], oid);
        }
        const view = bucketView(server.endpoint, server.bucket, 'bad-input', testS3Env(server.endpoint));
        try {
          assert.ok((await view.get(oid))?.equals(content));
        } finally {
          view.close();
        }
      }
    });

    it(`refuses invalid oids and a size that does not match the stored object on download, leaving no temp file (${kind} store)`, async () => {
      proxy.resetCounters();
      const before = await treeOf(box.root);
      const transcript = [
        init('download'),
        ...BAD_OIDS.map((bad) => download(bad)),
        // The object has 5,000 bytes; the pointer says 4,000, then 6,000.
        download(oid, 4_000),
        download(oid, 6_000),
        download(oid),
        terminate,
      ].join('\n');
      const run = await spawnCli(['agent'], { cwd: repo, env: { ...box.env, ...stores[kind]() }, input: `${transcript}\n` });
      assert.equal(run.code, 0, run.stderr);
      const answers = completes(protocolLines(run.stdout));
      assert.deepEqual(answers.map((a) => a.oid), [...BAD_OIDS, oid, oid, oid]);
      BAD_OIDS.forEach((_, i) => assert.match(answers[i]!.error!.message, /invalid oid/));
      const [short, long, ok] = answers.slice(BAD_OIDS.length);
      assert.match(short!.error!.message, new RegExp(`object ${oid} at .* failed verification \\(size mismatch\\): expected 4000 bytes, got more than 4000`));
      assert.match(long!.error!.message, new RegExp(`object ${oid} at .* failed verification \\(size mismatch\\): expected 6000 bytes, got 5000`));
      assert.equal(ok!.error, undefined);
      assert.ok((await readFile(ok!.path!)).equals(content), 'the verified download has the exact bytes');
      // Only that one file, in .git/lfs/tmp; the failed downloads left nothing.
      const created = [...(await treeOf(box.root))].filter((p) => !before.has(p));
      const files = created.filter((p) => p.split('/').pop()!.startsWith(`${oid}-`));
      assert.equal(files.length, 1, `temp files: ${files.join(', ')}`);
      assert.ok(files[0]!.startsWith('repo/.git/lfs/tmp/'));
      assert.ok(!created.some((p) => p.includes(ESCAPE_NAME) || !(p.startsWith('repo/.git/lfs') || p.startsWith('store'))), created.join(', '));
      await rm(ok!.path!);
      if (kind === 's3') {
        for (const request of proxy.seen) assert.match(request.url, new RegExp(`/bad-input/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`));
      }
    });
  }
});

describe('malformed pointers through the smudge filter, hydrate, status and cat', { timeout: 240_000 }, () => {
  let fx: LfsFixture;
  let real: { oid: string; content: Buffer };
  const malformed: Record<string, Buffer> = {};
  const pointerText = (oid: string, size: number): string => encodePointer({ oid, size, extensions: [] }).toString();

  before(async () => {
    fx = await makeLfsFixture({ files: [{ path: 'data/a.bin', content: fileContent(1, 5_000) }] });
    real = fx.files[0]!;
    const valid = pointerText(real.oid, real.content.length);
    Object.assign(malformed, {
      // git-lfs reads a CRLF pointer as a pointer; so does lfs-lazy.
      'crlf.bin': Buffer.from(valid.replace(/\n/g, '\r\n')),
      'ext.bin': Buffer.from(valid.replace('oid ', `ext-0-foo sha256:${HEX('b')}\noid `)),
      'version.bin': Buffer.from(valid.replace('spec/v1', 'spec/v9')),
      'big.bin': Buffer.from(valid + '#'.repeat(1024 - valid.length)),
      'trailing.bin': Buffer.from(`${valid}garbage\n`),
      'dotdot.bin': Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:../../../../tmp/${ESCAPE_NAME}\nsize 5\n`),
      'slash.bin': Buffer.from(valid.replace(real.oid, `${real.oid.slice(0, 32)}/${real.oid.slice(33)}`)),
      'upper.bin': Buffer.from(valid.replace(real.oid, real.oid.toUpperCase())),
      'badsize.bin': Buffer.from(valid.replace(/size \d+/, 'size 5e3')),
    });
    assert.ok(malformed['big.bin']!.length >= 1024);
    // Committed as they are: `hash-object --no-filters` keeps the clean filter away.
    for (const [name, bytes] of Object.entries(malformed)) {
      const file = join(fx.box.root, 'blob');
      await writeFile(file, bytes);
      const blob = (await fx.box.git(['hash-object', '-w', '--no-filters', file], { cwd: fx.origin })).stdout.trim();
      await fx.box.git(['update-index', '--add', '--cacheinfo', `100644,${blob},bad/${name}`], { cwd: fx.origin });
    }
    await fx.box.git(['commit', '-q', '-m', 'malformed pointers'], { cwd: fx.origin });
    await fx.box.git(['push', '-q', 'origin', 'main'], { cwd: fx.origin });
  });
  after(() => fx?.cleanup());

  const passThrough = ['version.bin', 'big.bin', 'trailing.bin', 'dotdot.bin', 'slash.bin', 'upper.bin', 'badsize.bin'];

  it('a hydrating clone passes non-pointers through, smudges the CRLF pointer, leaves the extension pointer with a message', async () => {
    const clone = join(fx.box.root, 'eager');
    const result = await fx.box.git(['clone', '-q', fx.remote, clone], { env: { LFS_LAZY_HYDRATE: '*' } });
    for (const name of passThrough) {
      assert.ok((await readFile(join(clone, 'bad', name))).equals(malformed[name]!), `${name} is its blob, byte for byte`);
    }
    assert.ok((await readFile(join(clone, 'bad/crlf.bin'))).equals(real.content));
    assert.ok((await readFile(join(clone, 'bad/ext.bin'))).equals(malformed['ext.bin']!));
    assert.match(result.stderr, new RegExp(`could not fetch bad/ext.bin \\(oid ${real.oid}\\), left its pointer in place: .*extension\\(s\\) foo`));
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line for the one refused file:\n${result.stderr}`);
    assert.deepEqual((await readdir(tmpdir())).filter((n) => n.includes(ESCAPE_NAME)), []);
  });

  it('status lists only the valid pointers; hydrate refuses the extension pointer by name and leaves the others alone', async () => {
    const clone = await fx.clone('lazy');
    const status = await fx.box.cli(['status', '--json'], { cwd: clone });
    const listed = (JSON.parse(status.stdout) as { files: Array<{ path: string; state: string }> }).files.map((f) => `${f.path} ${f.state}`);
    assert.deepEqual(listed.sort(), ['bad/crlf.bin pointer', 'bad/ext.bin pointer', 'data/a.bin pointer']);

    const hydrate = await fx.box.cli(['hydrate', 'bad'], { cwd: clone, allowFail: true });
    assert.equal(hydrate.code, 1, 'a refused file is a failure of the run');
    assert.match(hydrate.stderr, /bad\/ext\.bin: its pointer uses the git-lfs extension\(s\) foo, which lfs-lazy does not apply/);
    assert.doesNotMatch(hydrate.stderr, /crlf|version|big|trailing|dotdot|slash|upper|badsize/);
    assert.ok((await readFile(join(clone, 'bad/crlf.bin'))).equals(real.content), 'the CRLF pointer is hydrated');
    assert.ok((await readFile(join(clone, 'bad/ext.bin'))).equals(malformed['ext.bin']!), 'the extension pointer stays');
    for (const name of passThrough) assert.ok((await readFile(join(clone, 'bad', name))).equals(malformed[name]!), name);
    const after = await fx.box.cli(['status', '--json', 'bad'], { cwd: clone });
    const states = (JSON.parse(after.stdout) as { files: Array<{ path: string; state: string }> }).files.map((f) => `${f.path} ${f.state}`);
    assert.deepEqual(states.sort(), ['bad/crlf.bin hydrated', 'bad/ext.bin pointer']);
  });

  it('cat gives non-pointers as they are, the content of the CRLF pointer, and a clear error for the extension pointer', async () => {
    const clone = await fx.clone('cat');
    for (const name of passThrough) {
      const out = await spawnCli(['cat', `bad/${name}`], { cwd: clone, env: fx.box.env, input: '' });
      assert.equal(out.code, 0, out.stderr);
      assert.ok(out.stdout.equals(malformed[name]!), `${name}`);
    }
    const crlf = await spawnCli(['cat', 'bad/crlf.bin'], { cwd: clone, env: fx.box.env, input: '' });
    assert.ok(crlf.stdout.equals(real.content));
    const ext = await spawnCli(['cat', 'bad/ext.bin'], { cwd: clone, env: fx.box.env, input: '' });
    assert.equal(ext.code, 1);
    assert.equal(ext.stdout.length, 0);
    assert.match(ext.stderr, new RegExp(`^lfs-lazy cat: bad/ext.bin: cannot give the content of object ${real.oid}: its pointer uses the git-lfs extension\\(s\\) foo`));
    // The single-file smudge filter, fed each malformed blob on stdin, as git would.
    for (const name of [...passThrough, 'ext.bin']) {
      const out = await spawnCli(['smudge', '--', `bad/${name}`], { cwd: clone, env: { ...fx.box.env, LFS_LAZY_HYDRATE: '*' }, input: malformed[name]! });
      assert.equal(out.code, 0, out.stderr);
      assert.ok(out.stdout.equals(malformed[name]!), `smudge of ${name}`);
    }
  });

  it('a pointer file damaged in the working tree is reported as modified and never overwritten', async () => {
    const clone = await fx.clone('damaged');
    const damaged = Buffer.from(`${pointerText(real.oid, real.content.length).replace('\nsize', '\nsize')}trailing garbage\n`);
    await writeFile(join(clone, 'data/a.bin'), damaged);
    const status = await fx.box.cli(['status', '--json', 'data'], { cwd: clone });
    assert.deepEqual((JSON.parse(status.stdout) as { files: Array<{ state: string }> }).files.map((f) => f.state), ['modified']);
    const hydrate = await fx.box.cli(['hydrate', 'data'], { cwd: clone });
    assert.match(hydrate.stdout + hydrate.stderr, /modified/);
    assert.ok((await readFile(join(clone, 'data/a.bin'))).equals(damaged));
  });
});

describe('filter-process under malformed pkt-lines and truncated content', { timeout: 120_000 }, () => {
  let box: Sandbox;
  let repo: string;

  before(async () => {
    box = await makeSandbox();
    repo = join(box.root, 'repo');
    await box.git(['init', '-q', repo]);
    await mkdir(join(box.root, 'store'));
  });
  after(() => box?.cleanup());

  const text = (line: string): Buffer => encodeText(line);
  const handshake = Buffer.concat([text('git-filter-client'), text('version=2'), FLUSH, text('capability=clean'), text('capability=smudge'), FLUSH]);
  const handshakeReply: PktFrame[] = [
    { type: 'data', payload: Buffer.from('git-filter-server\n') },
    { type: 'data', payload: Buffer.from('version=2\n') },
    { type: 'flush' },
    { type: 'data', payload: Buffer.from('capability=clean\n') },
    { type: 'data', payload: Buffer.from('capability=smudge\n') },
    { type: 'flush' },
  ];
  const request = (command: string, pathname: string, content: Buffer[]): Buffer =>
    Buffer.concat([text(`command=${command}`), text(`pathname=${pathname}`), FLUSH, ...content.map((c) => encodeData(c))]);
  const plainSmudge = Buffer.concat([request('smudge', 'plain.txt', [Buffer.from('plain')]), FLUSH]);
  const status = (s: string): PktFrame[] => [{ type: 'data', payload: Buffer.from(`status=${s}\n`) }, { type: 'flush' }];
  const plainReply: PktFrame[] = [...status('success'), { type: 'data', payload: Buffer.from('plain') }, { type: 'flush' }, { type: 'flush' }];

  // stdout must be whole pkt-lines: the reader throws on anything else.
  async function framesOf(stdout: Buffer): Promise<PktFrame[]> {
    const reader = new PktLineReader([stdout]);
    const frames: PktFrame[] = [];
    for (let frame = await reader.read(); frame !== undefined; frame = await reader.read()) {
      frames.push(frame.type === 'data' ? { type: 'data', payload: Buffer.from(frame.payload) } : frame);
    }
    return frames;
  }

  const fatal: Array<[string, Buffer, RegExp, PktFrame[]]> = [
    ['garbage instead of a length', Buffer.from('zzzz hello'), /invalid length header "zzzz"/, []],
    ['a wrong welcome', Buffer.concat([text('git-filter-server'), text('version=2'), FLUSH]), /expected "git-filter-client"/, []],
    ['no version 2 offered', Buffer.concat([text('git-filter-client'), text('version=3'), FLUSH]), /does not offer version=2/, []],
    ['EOF inside the handshake', text('git-filter-client'), /input ended inside the version list/, []],
    ['a bad length after the handshake', Buffer.concat([handshake, Buffer.from('00zz')]), /invalid length header "00zz"/, handshakeReply],
    ['a length beyond 65520', Buffer.concat([handshake, Buffer.from('ffff'), Buffer.alloc(200)]), /packet length 65535 exceeds 65520/, handshakeReply],
    ['length 0003', Buffer.concat([handshake, Buffer.from('0003')]), /invalid packet length 0003/, handshakeReply],
    ['an empty data packet (0004)', Buffer.concat([handshake, Buffer.from('0004')]), /invalid packet length 0004/, handshakeReply],
    ['EOF inside a length header', Buffer.concat([handshake, Buffer.from('00')]), /input ends inside a length header/, handshakeReply],
    ['EOF inside a packet', Buffer.concat([handshake, Buffer.from('0064abc')]), /input ends inside a packet \(3 of 96 payload bytes\)/, handshakeReply],
    ['a bad length after a served request', Buffer.concat([handshake, plainSmudge, Buffer.from('xyzw')]), /invalid length header "xyzw"/, [...handshakeReply, ...plainReply]],
    ['a delim packet inside a header list', Buffer.concat([handshake, text('command=smudge'), Buffer.from('0001'), FLUSH]), /unexpected delim packet in the request header list/, handshakeReply],
    ['a delim packet inside content', Buffer.concat([handshake, request('smudge', 'a.bin', []), Buffer.from('0001'), FLUSH]), /unexpected delim packet in the content/, handshakeReply],
    ['EOF inside smudge content', Buffer.concat([handshake, request('smudge', 'a.bin', [Buffer.from('version https://git-lfs')])]), /input ended inside the content \(no flush\)/, handshakeReply],
    ['EOF inside the header list', Buffer.concat([handshake, text('command=smudge')]), /input ended inside the request header list/, handshakeReply],
  ];

  for (const [label, input, message, reply] of fatal) {
    it(`exits non-zero on ${label}, with one line on stderr and nothing but whole pkt-lines on stdout`, async () => {
      const run = await spawnCli(['filter-process'], { cwd: repo, env: box.env, input });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`^lfs-lazy filter-process: .*${message.source}`));
      assert.deepEqual(await framesOf(run.stdout), reply);
    });
  }

  it('EOF in the middle of clean content exits non-zero and stores nothing', async () => {
    const input = Buffer.concat([handshake, request('clean', 'big.bin', [Buffer.alloc(65_000, 1), Buffer.alloc(65_000, 2)])]);
    const run = await spawnCli(['filter-process'], { cwd: repo, env: box.env, input });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /input ended inside the content \(no flush\)/);
    assert.deepEqual(await framesOf(run.stdout), handshakeReply);
    assert.deepEqual(await filesUnder(join(repo, '.git', 'lfs', 'objects')), []);
    assert.deepEqual(await filesUnder(join(repo, '.git', 'lfs', 'tmp')), [], 'the partial temp file is removed');
  });

  const refusable: Array<[string, Buffer]> = [
    ['an unknown command', Buffer.concat([request('frobnicate', 'x.bin', [Buffer.from('abc')]), FLUSH])],
    ['a header line without "="', Buffer.concat([text('command'), FLUSH])],
    ['a request without a command', Buffer.concat([text('pathname=x.bin'), FLUSH, encodeData(Buffer.from('abc')), FLUSH])],
    ['a smudge without a pathname', Buffer.concat([text('command=smudge'), FLUSH])],
    ['an empty header list', FLUSH],
  ];
  for (const [label, bad] of refusable) {
    it(`answers status=error to ${label} and serves the next request`, async () => {
      const run = await spawnCli(['filter-process'], { cwd: repo, env: box.env, input: Buffer.concat([handshake, bad, plainSmudge]) });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(await framesOf(run.stdout), [...handshakeReply, ...status('error'), ...plainReply]);
    });
  }
});

describe('a bucket object whose bytes do not match its oid', { timeout: 240_000 }, () => {
  let fx: LfsFixture;
  const originals = new Map<string, Buffer>();

  before(async () => {
    fx = await makeLfsFixture({
      files: [
        { path: 'data/flipped.bin', content: fileContent(1, 50_000) },
        { path: 'data/short.bin', content: fileContent(2, 70_000) },
      ],
    });
  });
  after(() => fx?.cleanup());

  const [FLIPPED, SHORT] = [0, 1];
  async function corrupt(): Promise<void> {
    for (const file of fx.files) originals.set(file.oid, (await fx.bucket.get(file.oid))!);
    const flipped = Buffer.from(originals.get(fx.files[FLIPPED]!.oid)!);
    flipped[12_345] = flipped[12_345]! ^ 0xff;
    await fx.bucket.put(fx.files[FLIPPED]!.oid, flipped);
    await fx.bucket.put(fx.files[SHORT]!.oid, originals.get(fx.files[SHORT]!.oid)!.subarray(0, 60_000));
  }
  async function restore(): Promise<void> {
    for (const [oid, bytes] of originals) await fx.bucket.put(oid, bytes);
  }
  const pointerOf = (content: Buffer): Buffer => encodePointer({ oid: sha256(content), size: content.length, extensions: [] });

  async function assertNothingCorrupt(clone: string): Promise<void> {
    await assertLocalObjectsIntact(clone);
    assert.deepEqual(await filesUnder(join(clone, '.git', 'lfs', 'tmp')), [], 'no temp file left');
    for (const file of fx.files) {
      const data = await readFile(join(clone, file.path));
      assert.ok(data.equals(file.content) || data.equals(pointerOf(file.content)), `${file.path} is neither its content nor its pointer`);
    }
  }

  it('hydrate, cat and git lfs pull fail naming the oid, leave nothing corrupt, and succeed once the object is repaired', async () => {
    await corrupt();
    try {
      const clone = await fx.clone('corrupt');
      const [flipped, short] = [fx.files[FLIPPED]!, fx.files[SHORT]!];

      const hydrate = await fx.box.cli(['hydrate', 'data'], { cwd: clone, allowFail: true });
      assert.equal(hydrate.code, 1);
      assert.match(hydrate.stderr, new RegExp(`data/flipped.bin: object ${flipped.oid} at s3://.* failed verification \\(hash mismatch\\)`));
      assert.match(hydrate.stderr, new RegExp(`data/short.bin: object ${short.oid} at s3://.* failed verification \\(size mismatch\\): expected 70000 bytes, got 60000`));
      await assertNothingCorrupt(clone);

      for (const file of [flipped, short]) {
        const cat = await spawnCli(['cat', file.path], { cwd: clone, env: fx.box.env, input: '' });
        assert.equal(cat.code, 1);
        assert.equal(cat.stdout.length, 0, 'not a byte of unverified content');
        assert.match(cat.stderr, new RegExp(`^lfs-lazy cat: ${file.path}: object ${file.oid} .*failed verification`));
      }
      await assertNothingCorrupt(clone);

      const pull = await fx.box.git(['-c', 'lfs.concurrenttransfers=1', 'lfs', 'pull'], { cwd: clone, allowFail: true });
      assert.notEqual(pull.code, 0);
      for (const file of [flipped, short]) assert.match(pull.stderr, new RegExp(`${file.oid}.*failed verification`));
      await assertNothingCorrupt(clone);

      await restore();
      await fx.box.cli(['hydrate', 'data'], { cwd: clone });
      for (const file of fx.files) assert.ok((await readFile(join(clone, file.path))).equals(file.content), file.path);
    } finally {
      await restore();
    }
  });

  it('the same through a file:// store: hydrate fails naming the oid and keeps the pointer', async () => {
    const storeDir = join(fx.box.root, 'file-store');
    for (const file of fx.files) {
      const target = join(storeDir, file.oid.slice(0, 2), file.oid.slice(2, 4), file.oid);
      await mkdir(join(target, '..'), { recursive: true });
      await writeFile(target, (await fx.bucket.get(file.oid))!);
    }
    const flipped = fx.files[FLIPPED]!;
    const bad = Buffer.from(flipped.content);
    bad[0] = bad[0]! ^ 1;
    await writeFile(join(storeDir, flipped.oid.slice(0, 2), flipped.oid.slice(2, 4), flipped.oid), bad);
    const clone = await fx.clone('corrupt-file-store');
    const env = { LFS_LAZY_URL: `file://${storeDir}` };
    const hydrate = await fx.box.cli(['hydrate', 'data'], { cwd: clone, env, allowFail: true });
    assert.equal(hydrate.code, 1);
    assert.match(hydrate.stderr, new RegExp(`data/flipped.bin: object ${flipped.oid} at file://.* failed verification \\(hash mismatch\\)`));
    assert.ok((await readFile(join(clone, 'data/short.bin'))).equals(fx.files[SHORT]!.content), 'the intact object is hydrated');
    await assertNothingCorrupt(clone);
  });
});
