// Hydrate patterns end to end (issue 10, items 7 and 9): real git, git-lfs, lfs-lazy installed,
// s3rver. A pattern git cannot match with never hangs or crashes anything — committed, stored or
// given on the command line — and names with a meaning in the hydrated set file (`#`, `!`, a
// newline) are stored so that later checkouts select exactly those files.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodeText, FLUSH } from '../../src/protocol/pkt-line.js';
import { encodePointer } from '../../src/protocol/pointer.js';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';
import { CLI_PATH } from '../helpers/sandbox.js';

// A hang must fail the test, not block the suite: every git run that goes through the filter
// gets this long, then is killed (which rejects).
const HANG_MS = 60_000;

const NAMED = ['#notes.bin', '!imp.bin', 'a\nb.bin'];
// What the same lines read as plain patterns would select instead.
const UNRELATED = ['notes.bin', 'imp.bin', 'a/x.bin', 'b.bin'];
const FILES = [...NAMED, ...UNRELATED, 'z.bin', 'data/d1.bin', 'data/d2.bin'].map((path, i) => ({ path, content: fileContent(i, 3_000 + i) }));

describe('hydrate patterns under git', { timeout: 600_000 }, () => {
  let fx: LfsFixture;
  const content = new Map(FILES.map((f) => [f.path, f.content]));
  const pointerOf = (path: string) => encodePointer({ oid: sha256(content.get(path)!), size: content.get(path)!.length, extensions: [] });
  const git = async (args: string[], cwd: string) => (await fx.box.git(args, { cwd, timeoutMs: HANG_MS })).stdout;
  const assertFiles = async (clone: string, hydrated: (path: string) => boolean) => {
    for (const { path } of FILES) {
      const got = await readFile(join(clone, path));
      const expected = hydrated(path) ? content.get(path)! : pointerOf(path);
      assert.ok(got.equals(expected), `${JSON.stringify(path)} should be ${hydrated(path) ? 'its content' : 'its pointer'}`);
    }
  };

  before(async () => {
    fx = await makeLfsFixture({ files: FILES });
  });
  after(() => fx?.cleanup());

  it('filter-process exits by itself when its input breaks, even while git keeps the pipe open', async () => {
    const repo = join(fx.box.root, 'filter-repo');
    await git(['init', '-q', repo], fx.box.root);
    const child = spawn(process.execPath, [CLI_PATH, 'filter-process'], { cwd: repo, env: fx.box.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.resume();
    const handshake = [encodeText('git-filter-client'), encodeText('version=2'), FLUSH, encodeText('capability=smudge'), FLUSH];
    // A broken length header: nothing after it can be read in step. stdin stays open, as git keeps it.
    child.stdin.write(Buffer.concat([...handshake, Buffer.from('zzzz')]));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const timer = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 20_000).unref());
    const outcome = await Promise.race([exited, timer]);
    if (outcome === 'hung') child.kill('SIGKILL');
    child.stdin.destroy();
    assert.notEqual(outcome, 'hung', 'filter-process kept running with nothing left to answer');
    assert.equal(outcome, 1);
    assert.match(stderr, /^lfs-lazy filter-process: .*invalid length header "zzzz"/);
  });

  // Item 7: a committed `hydrate = [z-a]*` used to hang every clone of the repository.
  it('a clone completes when .lfslazyconfig commits a pattern git cannot match with; the pattern is reported once and ignored', async () => {
    await git(['config', '-f', '.lfslazyconfig', '--add', 'lfs-lazy.hydrate', '[z-a]*'], fx.origin);
    await git(['config', '-f', '.lfslazyconfig', '--add', 'lfs-lazy.hydrate', 'data/*'], fx.origin);
    await git(['commit', '-q', '-am', 'hydrate patterns'], fx.origin);
    await git(['push', '-q', 'origin', 'main'], fx.origin);
    const clone = join(fx.box.root, 'bad-committed');
    const { stderr } = await fx.box.git(['clone', '-q', fx.remote, clone], { timeoutMs: HANG_MS });
    const reports = stderr.split('\n').filter((line) => line.includes('[z-a]*'));
    assert.equal(reports.length, 1, stderr);
    assert.match(reports[0]!, /^lfs-lazy: ignoring the pattern "\[z-a\]\*" in \.lfslazyconfig \(hydrate =\): the range z-a is reversed/);
    await assertFiles(clone, (path) => path.startsWith('data/'));
    assert.equal(await git(['status', '--porcelain'], clone), '');

    const status = await fx.box.cli(['status'], { cwd: clone, timeoutMs: HANG_MS });
    assert.match(status.stderr, /^lfs-lazy status: ignoring the pattern "\[z-a\]\*" in \.lfslazyconfig/);
    assert.match(status.stdout, /^hydrated .*\* +data\/d1\.bin$/m);

    // Written by an older lfs-lazy into the clone's own set: ignored and reported the same way.
    await mkdir(join(clone, '.git', 'lfs-lazy'), { recursive: true });
    await writeFile(join(clone, '.git', 'lfs-lazy', 'hydrated'), '[z-a].bin\n');
    await rm(join(clone, 'z.bin'));
    const checkout = await fx.box.git(['checkout', '--', 'z.bin'], { cwd: clone, timeoutMs: HANG_MS });
    assert.match(checkout.stderr, /ignoring the pattern "\[z-a\]\.bin" on line 1 of .*hydrated/);
    assert.ok((await readFile(join(clone, 'z.bin'))).equals(pointerOf('z.bin')));
    assert.equal((await fx.box.cli(['status', '--json'], { cwd: clone })).code, 0);

    // Restore the fixture for the tests after this one.
    await git(['config', '-f', '.lfslazyconfig', '--unset-all', 'lfs-lazy.hydrate'], fx.origin);
    await git(['commit', '-q', '-am', 'no hydrate patterns'], fx.origin);
    await git(['push', '-q', 'origin', 'main'], fx.origin);
  });

  it('hydrate refuses a pattern git cannot match with, in one line, storing nothing', async () => {
    const clone = await fx.clone('refuse');
    const set = join(clone, '.git', 'lfs-lazy', 'hydrated');
    for (const pattern of ['[z-a].bin', 'data/[d', '[[:letter:]]*']) {
      const run = await fx.box.cli(['hydrate', pattern], { cwd: clone, allowFail: true });
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, /^lfs-lazy hydrate: invalid pattern .*\n$/);
      assert.equal(run.stdout, '');
      assert.equal(existsSync(set), false, 'something was stored');
    }
    const dehydrate = await fx.box.cli(['dehydrate', '[z-a].bin'], { cwd: clone, allowFail: true });
    assert.equal(dehydrate.code, 1);
    assert.match(dehydrate.stderr, /^lfs-lazy dehydrate: invalid pattern "\[z-a\]\.bin": the range z-a is reversed/);
    assert.equal(existsSync(set), false);
  });

  // Item 9: these names used to become a comment, an exclusion and two unrelated patterns.
  it('hydrate of names starting with # or ! or holding a newline selects exactly those files, on every later checkout', async () => {
    const clone = await fx.clone('names');
    const report = JSON.parse((await fx.box.cli(['hydrate', '--json', ...NAMED], { cwd: clone })).stdout) as { hydrated: string[] };
    assert.deepEqual(report.hydrated.sort(), [...NAMED].sort());
    await assertFiles(clone, (path) => NAMED.includes(path));

    // A checkout with no object local: what it fetches is what the stored set selects.
    await rm(join(clone, '.git', 'lfs', 'objects'), { recursive: true });
    for (const { path } of FILES) await rm(join(clone, path));
    await git(['checkout', '--', '.'], clone);
    await assertFiles(clone, (path) => NAMED.includes(path));
    assert.equal(await git(['status', '--porcelain'], clone), '');
    assert.equal(await readFile(join(clone, '.git', 'lfs-lazy', 'hydrated'), 'utf8'), '"#notes.bin"\n"!imp.bin"\n"a\\nb.bin"\n');

    const dehydrate = await fx.box.cli(['dehydrate', '!imp.bin'], { cwd: clone });
    assert.match(dehydrate.stdout, /^dehydrated 1 file/);
    assert.equal(await readFile(join(clone, '.git', 'lfs-lazy', 'hydrated'), 'utf8'), '"#notes.bin"\n"a\\nb.bin"\n!"!imp.bin"\n');
    for (const { path } of FILES) await rm(join(clone, path));
    await git(['checkout', '--', '.'], clone);
    await assertFiles(clone, (path) => path === '#notes.bin' || path === 'a\nb.bin');
  });
});
