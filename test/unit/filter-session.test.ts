// The filter session over in-memory pipes, driven by a fake git written with the same pkt-line
// encoders, against a real temp repository whose .lfslazyconfig points at a file:/// store.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { openFilterContext, type FilterContext } from '../../src/filter/filter-context.js';
import { DelayedFetches } from '../../src/filter/delayed-fetches.js';
import { Smudger } from '../../src/filter/smudge.js';
import { runFilterSession, type FilterSessionSummary } from '../../src/filter/filter-session.js';
import { silentLogger } from '../../src/log/logger.js';
import { FLUSH, PktLineReader, decodeText, encodeContent, encodeText } from '../../src/protocol/pkt-line.js';
import { encodePointer } from '../../src/protocol/pointer.js';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
const pointerOf = (data: Buffer): Buffer => encodePointer({ oid: sha256(data), size: data.length, extensions: [] });
const list = (...lines: string[]): Buffer => Buffer.concat([...lines.map((l) => encodeText(l)), FLUSH]);
const shard = (oid: string): string => join(oid.slice(0, 2), oid.slice(2, 4), oid);

interface Response {
  status: string[];
  content: Buffer;
  trailer: string[];
}

// git's side of the pipe. Every byte the filter writes is kept, to check the framing afterwards.
class FakeGit {
  readonly toFilter = new PassThrough();
  readonly fromFilter = new PassThrough();
  readonly written: Buffer[] = [];
  readonly reports: string[] = [];
  readonly reader: PktLineReader;
  readonly done: Promise<FilterSessionSummary>;

  constructor(repo: string, env: NodeJS.ProcessEnv = {}, onHandshake?: () => Promise<void>, context?: (report: (line: string) => void) => Promise<FilterContext>) {
    const written = this.written;
    const fromFilter = this.fromFilter;
    this.reader = new PktLineReader(
      (async function* () {
        for await (const chunk of fromFilter as AsyncIterable<Buffer>) {
          written.push(chunk);
          yield chunk;
        }
      })(),
    );
    const report = (line: string): void => void this.reports.push(line);
    this.done = runFilterSession({
      input: this.toFilter,
      output: this.fromFilter,
      context: context ? context(report) : openFilterContext({ cwd: repo, env, logger: silentLogger, report }),
      logger: silentLogger,
      report,
      ...(onHandshake ? { onHandshake } : {}),
    });
  }

  send(...parts: Buffer[]): void {
    this.toFilter.write(Buffer.concat(parts));
  }

  async readList(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const frame = await this.reader.read();
      assert.ok(frame, 'the filter closed its output');
      if (frame.type === 'flush') return lines;
      assert.equal(frame.type, 'data');
      lines.push(decodeText(frame.payload));
    }
  }

  async readContent(): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (;;) {
      const frame = await this.reader.read();
      assert.ok(frame, 'the filter closed its output');
      if (frame.type === 'flush') return Buffer.concat(parts);
      assert.equal(frame.type, 'data');
      parts.push(frame.payload);
    }
  }

  async handshake(capabilities: string[]): Promise<string[]> {
    this.send(list('git-filter-client', 'version=2'));
    assert.deepEqual(await this.readList(), ['git-filter-server', 'version=2']);
    this.send(list(...capabilities.map((c) => `capability=${c}`)));
    return this.readList();
  }

  // One request; `pieces` are sent as separate packets (git cuts at 65516, tests cut anywhere).
  async request(headers: string[], pieces: Buffer[] = []): Promise<Response> {
    this.send(list(...headers), ...pieces.flatMap((p) => encodeContent(p)), FLUSH);
    const status = await this.readList();
    if (status.at(-1) !== 'status=success') return { status, content: Buffer.alloc(0), trailer: [] };
    const content = await this.readContent();
    return { status, content, trailer: await this.readList() };
  }

  async listAvailable(): Promise<string[]> {
    this.send(list('command=list_available_blobs'));
    const paths = await this.readList();
    assert.deepEqual(await this.readList(), ['status=success']);
    return paths.map((line) => line.replace(/^pathname=/, ''));
  }

  // EOF, then: the session ends cleanly and never wrote an empty data packet (0004).
  async end(): Promise<FilterSessionSummary> {
    this.toFilter.end();
    const summary = await this.done;
    this.fromFilter.end();
    assert.equal(await this.reader.read(), undefined, 'the filter wrote more than it was asked for');
    assertFraming(Buffer.concat(this.written));
    return summary;
  }
}

function assertFraming(out: Buffer): void {
  for (let at = 0; at < out.length; ) {
    const length = Number.parseInt(out.subarray(at, at + 4).toString('latin1'), 16);
    assert.ok(length === 0 || length > 4, `packet at byte ${at} has length ${length}`);
    at += length === 0 ? 4 : length;
  }
}

describe('filter session', () => {
  let box: Sandbox;
  let repo: string;
  let store: string;
  const stored = new Map<string, Buffer>(); // path → content, object in the file store
  const missing = Buffer.from('this object was never uploaded\n');

  before(async () => {
    box = await makeSandbox();
    repo = join(box.root, 'repo');
    store = join(box.root, 'store');
    await box.git(['init', '-q', repo]);
    const config = ['[lfs-lazy]', `\turl = file://${store}`, '\thydrate = hyd/*', '\thydrate = !hyd/skip.bin', '\thydrate = *.keep'];
    await writeFile(join(repo, '.lfslazyconfig'), `${config.join('\n')}\n`);
    for (let i = 0; i < 12; i++) stored.set(`hyd/f${i}.bin`, randomBytes(1000 + i * 5000));
    stored.set('hyd/skip.bin', Buffer.from('excluded by the committed config\n'));
    stored.set('env/e.bin', Buffer.from('hydrated through LFS_LAZY_HYDRATE\n'));
    stored.set('x.keep', Buffer.from('hydrated by the second committed pattern\n'));
    for (const data of stored.values()) {
      const path = join(store, shard(sha256(data)));
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, data);
    }
  });
  after(() => box.cleanup());

  const localObject = (data: Buffer): Promise<Buffer> => readFile(join(repo, '.git', 'lfs', 'objects', shard(sha256(data))));

  it('claims only the capabilities git offers', async () => {
    const git = new FakeGit(repo);
    assert.deepEqual(await git.handshake(['clean', 'smudge']), ['capability=clean', 'capability=smudge']);
    assert.deepEqual((await git.end()).capabilities, ['clean', 'smudge']);
    const withDelay = new FakeGit(repo);
    assert.deepEqual(await withDelay.handshake(['clean', 'smudge', 'delay']), ['capability=clean', 'capability=smudge', 'capability=delay']);
    await withDelay.end();
  });

  it('cleans content sent across packet boundaries into the store and answers its canonical pointer', async () => {
    const git = new FakeGit(repo);
    await git.handshake(['clean', 'smudge']);
    const content = randomBytes(300_000);
    const pieces = [content.subarray(0, 1), content.subarray(1, 1023), content.subarray(1023, 70_000), content.subarray(70_000)];
    const response = await git.request(['command=clean', 'pathname=data/big.bin'], pieces);
    assert.deepEqual(response.status, ['status=success']);
    assert.ok(response.content.equals(pointerOf(content)));
    assert.deepEqual(response.trailer, []);
    assert.ok((await localObject(content)).equals(content));
    assert.deepEqual(await readdir(join(repo, '.git', 'lfs', 'tmp')), [], 'a temp file was left behind');

    // Just over the pointer limit, and not a pointer: stored like any other content.
    const small = Buffer.alloc(1024, 'a');
    assert.ok((await git.request(['command=clean', 'pathname=a.bin'], [small])).content.equals(pointerOf(small)));
    assert.equal((await git.end()).cleaned, 2);
  });

  it('cleans empty content to empty output, and a pointer (even CRLF, in pieces) to itself, storing nothing', async () => {
    const git = new FakeGit(repo);
    await git.handshake(['clean', 'smudge', 'delay']);
    const empty = await git.request(['command=clean', 'pathname=empty.bin']);
    assert.deepEqual(empty, { status: ['status=success'], content: Buffer.alloc(0), trailer: [] });
    const crlf = Buffer.from(pointerOf(missing).toString().replace(/\n/g, '\r\n'));
    const echoed = await git.request(['command=clean', 'pathname=p.bin'], [crlf.subarray(0, 10), crlf.subarray(10)]);
    assert.ok(echoed.content.equals(crlf));
    await assert.rejects(localObject(missing), { code: 'ENOENT' });
    await assert.rejects(localObject(Buffer.alloc(0)), { code: 'ENOENT' });
    await git.end();
  });

  it('smudges a non-pointer through unchanged and leaves a pointer outside the hydrated set exactly as stored', async () => {
    const git = new FakeGit(repo);
    await git.handshake(['clean', 'smudge', 'delay']);
    const text = Buffer.from('plain text committed under filter=lfs\n');
    const big = randomBytes(200_000);
    for (const blob of [text, big]) {
      const response = await git.request(['command=smudge', 'pathname=hyd/plain.bin', 'can-delay=1'], [blob]);
      assert.deepEqual(response.status, ['status=success']);
      assert.ok(response.content.equals(blob));
    }
    // Non-canonical (CRLF) pointer of an object that even exists locally: still its exact bytes.
    const content = stored.get('hyd/f1.bin')!;
    const crlf = Buffer.from(pointerOf(content).toString().replace(/\n/g, '\r\n'));
    for (const headers of [['pathname=lazy/a.bin'], ['pathname=lazy/a.bin', 'can-delay=1', 'blob=0123', 'future-key=x=y']]) {
      const response = await git.request(['command=smudge', ...headers], [crlf]);
      assert.deepEqual(response.status, ['status=success']);
      assert.ok(response.content.equals(crlf), 'the pointer was re-encoded');
    }
    // Taken out of the committed default by `!hyd/skip.bin`.
    const skip = pointerOf(stored.get('hyd/skip.bin')!);
    assert.ok((await git.request(['command=smudge', 'pathname=hyd/skip.bin'], [skip])).content.equals(skip));
    assert.deepEqual(git.reports, []);
    await git.end();
  });

  it('delays hydrated paths, fetches them concurrently, lists them, and serves each on the empty re-request', async () => {
    const git = new FakeGit(repo, { LFS_LAZY_HYDRATE: 'env/*' });
    await git.handshake(['clean', 'smudge', 'delay']);
    const wanted = new Map([...stored].filter(([path]) => path !== 'hyd/skip.bin'));
    const pointers = new Map([...wanted].map(([path, data]) => [path, pointerOf(data)]));
    pointers.set('hyd/missing.bin', pointerOf(missing));
    for (const [path, pointer] of pointers) {
      const response = await git.request(['command=smudge', `pathname=${path}`, 'can-delay=1'], [pointer]);
      assert.deepEqual(response.status, ['status=delayed'], path);
    }
    const served = new Map<string, Buffer>();
    for (let paths = await git.listAvailable(); paths.length > 0; paths = await git.listAvailable()) {
      for (const path of paths) {
        assert.ok(pointers.has(path) && !served.has(path), `unexpected ${path}`);
        const response = await git.request(['command=smudge', `pathname=${path}`]);
        assert.deepEqual(response.status, ['status=success']);
        served.set(path, response.content);
      }
    }
    assert.equal(served.size, pointers.size);
    for (const [path, data] of wanted) {
      assert.ok(served.get(path)!.equals(data), `${path} has the wrong content`);
      assert.ok((await localObject(data)).equals(data));
    }
    // A failed fetch: the pointer, status success, one line naming the path, the oid and the cause.
    assert.ok(served.get('hyd/missing.bin')!.equals(pointerOf(missing)));
    assert.equal(git.reports.length, 1);
    assert.match(git.reports[0]!, new RegExp(`hyd/missing\\.bin.*${sha256(missing)}.*missing from file://`));
    const summary = await git.end();
    assert.equal(summary.delayed, pointers.size);
    assert.ok(summary.maxConcurrentFetches > 1, `fetches ran one at a time (${summary.maxConcurrentFetches})`);
  });

  it('without delay, fetches synchronously; a local object needs no fetch', async () => {
    const git = new FakeGit(repo);
    await git.handshake(['clean', 'smudge']);
    const data = stored.get('hyd/f3.bin')!; // fetched by the previous test: now local
    const local = await git.request(['command=smudge', 'pathname=hyd/f3.bin', 'can-delay=1'], [pointerOf(data)]);
    assert.ok(local.content.equals(data));
    const other = randomBytes(5000);
    const path = join(store, shard(sha256(other)));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, other);
    const fetched = await git.request(['command=smudge', 'pathname=hyd/new.bin'], [pointerOf(other)]);
    assert.deepEqual(fetched.status, ['status=success']);
    assert.ok(fetched.content.equals(other));
    const failed = await git.request(['command=smudge', 'pathname=hyd/missing.bin'], [pointerOf(missing)]);
    assert.deepEqual(failed.status, ['status=success']);
    assert.ok(failed.content.equals(pointerOf(missing)));
    assert.equal(git.reports.length, 1);
    await git.end();
  });

  it('in a checkout that can delay, holds back only the first path until the work started at the handshake is done', async () => {
    let finish!: () => void;
    const git = new FakeGit(repo, {}, () => new Promise<void>((resolve) => (finish = resolve)));
    await git.handshake(['clean', 'smudge', 'delay']);
    const first = Buffer.from('the first path of the checkout\n');
    const second = Buffer.from('not a pointer either\n');
    let answer: Response | undefined;
    const held = git.request(['command=smudge', 'pathname=a.bin', 'can-delay=1'], [first]).then((r) => (answer = r));
    // Answered with the work still running (a filter that waited for it fails here).
    await until(() => answer !== undefined).catch((err: unknown) => {
      finish();
      throw err;
    });
    assert.deepEqual(await held, { status: ['status=delayed'], content: Buffer.alloc(0), trailer: [] });
    // The rest of the checkout goes on while the work runs.
    assert.ok((await git.request(['command=smudge', 'pathname=b.bin', 'can-delay=1'], [second])).content.equals(second));
    // git's end of the checkout (post-checkout comes after it): the held path is not listed
    // while the work runs — 200 turns of the event loop, as in the test below.
    let listed: string[] | undefined;
    const available = git.listAvailable().then((paths) => (listed = paths));
    for (let turn = 0; turn < 200; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(listed, undefined, 'the held path was listed before the hand-shake work finished');
    finish();
    assert.deepEqual(await available, ['a.bin']);
    assert.ok((await git.request(['command=smudge', 'pathname=a.bin'], [])).content.equals(first));
    assert.deepEqual(await git.listAvailable(), []);
    assert.equal((await git.end()).waited, 1);
  });

  // Fuzz seed 940119: the held path was decided only at the end of the checkout, after the paths
  // that share its object had looked for its fetch and found none, so they kept their pointers
  // although the checkout then fetched the object (git-lfs gives every such path its content).
  it('the held first path, selected, gives its content to a later path that shares its object', async () => {
    const git = new FakeGit(repo, {}, () => Promise.resolve());
    await git.handshake(['clean', 'smudge', 'delay']);
    const data = randomBytes(3000);
    const path = join(store, shard(sha256(data)));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
    assert.deepEqual((await git.request(['command=smudge', 'pathname=hyd/shared.bin', 'can-delay=1'], [pointerOf(data)])).status, ['status=delayed']);
    assert.deepEqual((await git.request(['command=smudge', 'pathname=other/shared.bin', 'can-delay=1'], [pointerOf(data)])).status, ['status=delayed']);
    const served = new Map<string, Buffer>();
    for (let paths = await git.listAvailable(); paths.length > 0; paths = await git.listAvailable()) {
      for (const listed of paths) served.set(listed, (await git.request(['command=smudge', `pathname=${listed}`])).content);
    }
    assert.deepEqual([...served.keys()].sort(), ['hyd/shared.bin', 'other/shared.bin']);
    assert.ok(served.get('hyd/shared.bin')!.equals(data), 'the selected path has its content');
    assert.ok(served.get('other/shared.bin')!.equals(data), 'the path that shares its object has it too, not its pointer');
    const summary = await git.end();
    assert.equal(summary.fetched, 1);
  });

  it('answers nothing until the work started at the handshake is done', async () => {
    let finish!: () => void;
    let started = 0;
    const git = new FakeGit(repo, {}, () => {
      started++;
      return new Promise<void>((resolve) => (finish = resolve));
    });
    await git.handshake(['clean', 'smudge', 'delay']);
    assert.equal(started, 1, 'the work starts right after the handshake');
    const written = git.written.length;
    const blob = Buffer.from('not a pointer\n');
    const first = git.request(['command=smudge', 'pathname=a.bin'], [blob]);
    let answered = false;
    void first.then(() => (answered = true));
    // The events: the filter has taken the whole request off its input, then sat through 200
    // turns of the event loop without a byte of answer. Turns, not milliseconds: a pass-through
    // smudge needs no I/O, so a filter that did not wait answers within a few turns however
    // loaded the machine is (shown by removing the wait in filter-session.ts: this test fails).
    await until(() => git.toFilter.readableLength === 0 && git.toFilter.writableLength === 0);
    for (let turn = 0; turn < 200; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.equal(answered, false, 'a request was answered before the hand-shake work finished');
    assert.equal(git.written.length, written, 'the filter wrote something before the hand-shake work finished');
    finish();
    assert.ok((await first).content.equals(blob));
    assert.ok((await git.request(['command=smudge', 'pathname=b.bin'], [blob])).content.equals(blob));
    assert.equal(started, 1);
    await git.end();
  });

  it('answers status=error to an unknown command and keeps serving', async () => {
    const git = new FakeGit(repo);
    await git.handshake(['clean', 'smudge', 'delay']);
    assert.deepEqual(await git.request(['command=frobnicate', 'pathname=a.bin'], [Buffer.from('some content')]), {
      status: ['status=error'],
      content: Buffer.alloc(0),
      trailer: [],
    });
    git.send(list('command=frobnicate-all'));
    assert.deepEqual(await git.readList(), ['status=error']);
    const blob = Buffer.from('still here\n');
    assert.ok((await git.request(['command=smudge', 'pathname=a.bin'], [blob])).content.equals(blob));
    assert.equal((await git.end()).refused, 2);
  });
  // git waits for an answer to every request: an error that escaped the session used to end it
  // with the request unanswered and stdin still open, so git and the filter waited on each other
  // forever (issue 10, item 7). A hang fails these tests through their timeout.
  it('answers status=error to a blob whose decision throws, and keeps serving', { timeout: 20_000 }, async () => {
    const boom = (): never => {
      throw new Error('the policy broke');
    };
    const failing = { has: boom, decide: boom, wasDehydrated: boom, selectsAny: true };
    const git = new FakeGit(repo, {}, undefined, async (report) => {
      const context = await openFilterContext({ cwd: repo, env: {}, logger: silentLogger, report });
      const smudger = new Smudger({ local: context.local, remote: () => context.settings().then(() => assert.fail('nothing is fetched')), policy: async () => failing, report, logger: silentLogger });
      return { ...context, smudger };
    });
    await git.handshake(['clean', 'smudge', 'delay']);
    const pointer = pointerOf(stored.get('hyd/f2.bin')!);
    for (const headers of [['command=smudge', 'pathname=hyd/f2.bin', 'can-delay=1'], ['command=smudge', 'pathname=hyd/f2.bin']]) {
      assert.deepEqual(await git.request(headers, [pointer.subarray(0, 20), pointer.subarray(20)]), { status: ['status=error'], content: Buffer.alloc(0), trailer: [] });
    }
    assert.equal(git.reports.length, 2);
    assert.match(git.reports[0]!, /^lfs-lazy: cannot smudge hyd\/f2\.bin: the policy broke$/);
    // Not a pointer: nothing to decide, served as ever.
    const blob = Buffer.from('still serving\n');
    assert.ok((await git.request(['command=smudge', 'pathname=a.bin'], [blob])).content.equals(blob));
    await git.end();
  });

  it('answers status=error to every blob when the repository cannot be opened, and ends cleanly', { timeout: 20_000 }, async () => {
    const plain = join(box.root, 'not-a-repo');
    await mkdir(plain, { recursive: true });
    const git = new FakeGit(plain, {}, undefined, (report) => openFilterContext({ cwd: plain, env: {}, logger: silentLogger, report }));
    await git.handshake(['clean', 'smudge', 'delay']);
    const error = { status: ['status=error'], content: Buffer.alloc(0), trailer: [] };
    assert.deepEqual(await git.request(['command=smudge', 'pathname=a.bin', 'can-delay=1'], [pointerOf(missing)]), error);
    assert.deepEqual(await git.request(['command=clean', 'pathname=b.bin'], [randomBytes(100_000)]), error);
    assert.equal(git.reports.length, 2);
    assert.match(git.reports[0]!, /^lfs-lazy: cannot smudge a\.bin: /);
    await git.end();
  });
});

describe('DelayedFetches', () => {
  // A fetch that rejects used to stay "running" for ever: list_available_blobs then never
  // answered, and git waited with it.
  it('lists a path whose fetch rejected and hands it out as its error', { timeout: 10_000 }, async () => {
    const delayed = new DelayedFetches<string>(2);
    delayed.schedule('ok.bin', async () => 'content');
    delayed.schedule('bad.bin', () => Promise.reject(new Error('fetch broke')));
    const listed: string[] = [];
    for (let paths = await delayed.available(); paths.length > 0; paths = await delayed.available()) listed.push(...paths);
    assert.deepEqual(listed.sort(), ['bad.bin', 'ok.bin']);
    assert.equal(delayed.take('ok.bin'), 'content');
    const failed = delayed.take('bad.bin');
    assert.ok(failed instanceof Error && failed.message === 'fetch broke');
    assert.equal(delayed.take('bad.bin'), undefined, 'handed out twice');
  });

  // A file not selected waits for the fetch of a selected file asked for after it (seed 56): the
  // wait must not begin before git asked for every path, nor hold a download slot meanwhile.
  it('starts afterRequests work at list_available_blobs, outside the download slots', { timeout: 10_000 }, async () => {
    const delayed = new DelayedFetches<string>(1);
    let release!: () => void;
    const download = new Promise<void>((resolve) => (release = resolve));
    let followerStarted = false;
    delayed.afterRequests('0.bin', async () => {
      followerStarted = true;
      await download;
      return 'content of 0.bin';
    });
    delayed.schedule('b.bin', async () => {
      await download;
      return 'content of b.bin';
    });
    // Only slot taken by b.bin; the follower did not start.
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(followerStarted, false, 'started before git asked for every path');
    const listing = delayed.available();
    assert.equal(followerStarted, true);
    release();
    const listed = [...(await listing)];
    for (let paths = await delayed.available(); paths.length > 0; paths = await delayed.available()) listed.push(...paths);
    assert.deepEqual(listed.sort(), ['0.bin', 'b.bin']);
    assert.equal(delayed.take('0.bin'), 'content of 0.bin');
    assert.equal(delayed.maxConcurrent, 1);
  });
});

// Waits for `ready` to hold, checking after each turn of the event loop (no timer): for an event a
// stream does not announce.
async function until(ready: () => boolean, turns = 10_000): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (ready()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`the condition did not hold within ${turns} turns of the event loop`);
}
