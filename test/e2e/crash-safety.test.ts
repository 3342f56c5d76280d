// kill -9 of every lfs-lazy process — `hydrate`, the transfer agent under `git lfs pull` and
// `git push`, the filter under `git add` — at a moment the test chooses (mid-download, mid-upload,
// mid-clean), then: no partial file under a final name anywhere (working tree, .git/lfs/objects,
// the bucket), and the same command run again finishes the job, removes what the killed process
// left in temp files, and leaves `git status` clean. Real git, git-lfs, s3rver behind the
// fault-injecting proxy (which holds a transfer mid-body so the kill lands there).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';
import { findLfsLazy, kill9, killGroup, killWhen, start, waitFor, type Started } from '../helpers/processes.js';
import { CLI_PATH, type RunResult } from '../helpers/sandbox.js';
import { HydratedSet } from '../../src/hydration/hydrated-set.js';
import { encodePointer } from '../../src/protocol/pointer.js';
import { fileSha256, filePaths as walk } from '../helpers/disk.js';

const MiB = 1024 * 1024;
const TEST = { timeout: 120_000 };
const TOKEN = /lfs-lazy-[0-9a-f]{8}-[0-9]+-[0-9a-f]{8}/;

const BIG = Array.from({ length: 3 }, (_, i) => ({ path: `big/b${i}.bin`, content: fileContent(10 + i, 4 * MiB + i * 1000) }));
const SMALL = Array.from({ length: 16 }, (_, i) => ({ path: `small/s${String(i).padStart(2, '0')}.json`, content: fileContent(100 + i, 3_000 + i * 500) }));
const FILES = [...BIG, ...SMALL, { path: 'small/dup.json', content: SMALL[3]!.content }];



describe('crash safety: kill -9 at any moment, then rerun', { timeout: 600_000 }, () => {
  let fx: LfsFixture;
  let proxy: FaultProxy;
  const content = new Map(FILES.map((f) => [f.path, f.content]));
  const pointer = (data: Buffer): Buffer => encodePointer({ oid: sha256(data), size: data.length, extensions: [] });

  before(async () => {
    fx = await makeLfsFixture({ files: FILES });
    proxy = await startFaultProxy(fx.server.endpoint);
  });
  after(async () => {
    await proxy?.close();
    await fx?.cleanup();
  });

  // Through the proxy; an idle time-out long enough that a held transfer is still in flight when
  // the test kills its process.
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    ...fx.box.env,
    LFS_LAZY_ENDPOINT: proxy.endpoint,
    LFS_LAZY_IDLE_TIMEOUT_MS: '30000',
    LFS_LAZY_MAX_ATTEMPTS: '2',
    ...extra,
  });
  const startCli = (args: string[], cwd: string, options: { group?: boolean } = {}): Started =>
    start(process.execPath, [CLI_PATH, ...args], { cwd, env: env(), timeoutMs: 60_000, ...options });
  const cli = (args: string[], cwd: string, allowFail = false): Promise<RunResult> =>
    fx.box.cli(args, { cwd, env: env(), allowFail, timeoutMs: 60_000 });
  const git = (args: string[], cwd: string, allowFail = false, extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> =>
    fx.box.git(['-c', 'lfs.concurrenttransfers=1', ...args], { cwd, env: env(extraEnv), allowFail, timeoutMs: 60_000 });
  const oidOf = (path: string): string => sha256(content.get(path)!);
  const lfsTmp = (clone: string): string => join(clone, '.git', 'lfs', 'tmp');
  const tempsIn = async (dir: string): Promise<string[]> => (await walk(dir)).filter((p) => TOKEN.test(p));
  const worktreeTemps = async (clone: string): Promise<string[]> =>
    (await walk(clone, (rel) => rel.startsWith('.git/') || rel === '.git')).filter((p) => TOKEN.test(p));

  // No partial file under a final name: every local object hashes to its name, every LFS file in
  // the working tree is exactly its pointer or exactly its content, the bucket's copies are whole.
  async function assertNothingPartial(clone: string, files: Array<{ path: string; content: Buffer }> = FILES): Promise<void> {
    for (const object of await walk(join(clone, '.git', 'lfs', 'objects'))) {
      const name = object.split('/').pop()!;
      assert.equal(await fileSha256(object), name, `partial or corrupt local object ${name}`);
    }
    for (const file of files) {
      const data = await readFile(join(clone, file.path)).catch(() => undefined);
      assert.ok(data !== undefined, `${file.path} is missing`);
      assert.ok(data.equals(file.content) || data.equals(pointer(file.content)), `${file.path} is neither its pointer nor its content (${data.length} bytes)`);
    }
    for (const file of files) {
      const stored = await fx.bucket.get(sha256(file.content));
      if (stored) assert.equal(sha256(stored), sha256(file.content), `bucket copy of ${file.path} is partial`);
    }
  }

  async function assertHydrated(clone: string, files: Array<{ path: string; content: Buffer }> = FILES): Promise<void> {
    for (const file of files) assert.ok((await readFile(join(clone, file.path))).equals(file.content), `${file.path} should hold its content`);
  }

  // A process killed while it holds index.lock (lfs-lazy rewriting the index at the end of a run,
  // or a git update-index it started) leaves the lock, which git never removes by itself; its
  // message tells the user to. The kill is over by now: nothing else can be holding it.
  async function removeLockOfKilledGit(clone: string): Promise<void> {
    await rm(join(clone, '.git', 'index.lock'), { force: true });
  }

  const assertClean = async (clone: string): Promise<void> => assert.equal((await git(['status', '--porcelain'], clone)).stdout, '');

  it('hydrate killed mid-download: nothing partial; the rerun fetches the rest, removes the leftovers, status clean', TEST, async () => {
    const clone = await fx.clone('hydrate-kill');
    const held = BIG[1]!;
    // The download of one big object stops after 1 MiB and stays open.
    await proxy.setFault({ method: 'GET', path: oidOf(held.path), action: { kind: 'stall', afterBytes: MiB } });
    const run = startCli(['hydrate', '-j', '4', '.'], clone);
    const partial = await waitFor('the held download to reach 1 MiB on disk', async () => {
      for (const temp of await tempsIn(lfsTmp(clone))) {
        if (temp.includes(oidOf(held.path)) && (await stat(temp)).size >= MiB) return temp;
      }
      return undefined;
    });
    // Everything else has been fetched and written meanwhile.
    await waitFor('the other files to be hydrated', async () => (await readFile(join(clone, SMALL[0]!.path))).equals(SMALL[0]!.content), 30_000, 20);
    kill9(run.pid);
    const killed = await run.done;
    assert.equal(killed.signal, 'SIGKILL');

    await assertNothingPartial(clone);
    assert.ok(existsSync(partial), 'the killed download left its temp file (the test did kill mid-transfer)');
    assert.ok((await readFile(join(clone, held.path))).equals(pointer(held.content)), 'the held file is still its pointer');
    assert.deepEqual((await HydratedSet.load(join(clone, '.git'))).entries, ['.'], 'the hydrated set was saved before the kill');

    await proxy.clearFault();
    const rerun = await cli(['hydrate', '.'], clone);
    assert.match(rerun.stdout, /^hydrated \d+ files? \(.*\)/);
    await assertHydrated(clone);
    await assertNothingPartial(clone);
    await assertClean(clone);
    assert.deepEqual(await tempsIn(lfsTmp(clone)), [], 'the killed run’s temp file was removed');
    assert.deepEqual(await worktreeTemps(clone), []);
  });

  // Kills a hydrate of BIG[2] while its new content is half written, then: nothing for git to
  // list or stage, and the rerun finishes and removes the partial copy. Returns where that was.
  async function killMidWrite(clone: string): Promise<string> {
    const held = BIG[2]!;
    await proxy.setFault({ method: 'GET', path: oidOf(held.path), action: { kind: 'stall', afterBytes: MiB } });
    const run = startCli(['hydrate', held.path], clone);
    // The file's new content is written to its temp file while the object downloads.
    const copy = await waitFor('the working copy of the held download to reach 1 MiB', async () => {
      for (const temp of (await walk(clone)).filter((p) => TOKEN.test(p) && p.includes('.b2.bin.'))) {
        if ((await stat(temp)).size >= MiB) return temp;
      }
      return undefined;
    });
    kill9(run.pid);
    await run.done;
    await proxy.clearFault();
    assert.ok(existsSync(copy), 'the killed run left its partial copy (the test did kill mid-write)');
    assert.equal((await git(['status', '--porcelain', '--untracked-files=all'], clone)).stdout, '');
    await git(['add', '-A'], clone);
    assert.equal((await git(['diff', '--cached', '--name-status'], clone)).stdout, '', 'git add -A staged something');

    await cli(['hydrate', held.path], clone);
    await assertHydrated(clone, [held]);
    await assertClean(clone);
    assert.equal(existsSync(copy), false, 'the rerun removed the partial copy');
    return relative(clone, copy);
  }

  it('hydrate killed mid-download leaves nothing that git status lists or git add -A stages', TEST, async () => {
    const clone = await fx.clone('hydrate-kill-untracked');
    const copy = await killMidWrite(clone);
    assert.match(copy, /^\.git\/lfs\/tmp\//, 'the partial copy was outside the working tree');
  });

  // /dev/shm: a tmpfs on Linux, another filesystem than the test's temp directory.
  const otherFilesystem = existsSync('/dev/shm') && statSync('/dev/shm').dev !== statSync(tmpdir()).dev ? '/dev/shm' : undefined;
  it('… and so does one whose LFS storage is on another filesystem (temp file beside the file, excluded)', { ...TEST, skip: otherFilesystem === undefined && 'no second filesystem' }, async () => {
    const clone = await fx.clone('hydrate-kill-exdev');
    const storage = await mkdtemp(join(otherFilesystem!, 'lfs-lazy-test-storage-'));
    try {
      await git(['config', 'lfs.storage', storage], clone);
      const copy = await killMidWrite(clone);
      assert.match(copy, /^big\/\.b2\.bin\.lfs-lazy-.*\.tmp$/, 'a rename across filesystems is not atomic: the copy goes beside the file');
      assert.match(await readFile(join(clone, '.git', 'info', 'exclude'), 'utf8'), /^\.\*\.lfs-lazy-\*\.tmp$/m);
    } finally {
      await rm(storage, { recursive: true, force: true });
    }
  });

  it('hydrate killed together with its children mid-download: no index.lock left; the rerun re-indexes what was written, status clean', TEST, async () => {
    const clone = await fx.clone('hydrate-kill-group');
    const held = BIG[0]!;
    await proxy.setFault({ method: 'GET', path: oidOf(held.path), action: { kind: 'stall', afterBytes: MiB } });
    // Its own process group: killGroup takes any git child along, as a closed terminal would.
    // The files written so far never reach the index.
    const run = startCli(['hydrate', '-j', '4', '.'], clone, { group: true });
    await waitFor('the small files to be hydrated', async () => {
      for (const f of SMALL) if (!(await readFile(join(clone, f.path))).equals(f.content)) return false;
      return true;
    }, 30_000, 20);
    killGroup(run.pid);
    await run.done;
    await assertNothingPartial(clone);
    // The index is locked only for the moment it is rewritten at the end, never during the
    // downloads: a kill mid-download leaves git usable.
    assert.ok(!existsSync(join(clone, '.git', 'index.lock')), 'a kill mid-download left index.lock');
    const dirty = (await git(['status', '--porcelain'], clone)).stdout;
    // Git takes a file whose size changed for modified without reading it.
    assert.match(dirty, /^ M small\//m, 'the written files were left out of the index');

    await proxy.clearFault();
    await cli(['hydrate', '.'], clone);
    await assertHydrated(clone);
    await assertClean(clone);
    assert.deepEqual(await tempsIn(lfsTmp(clone)), []);
  });

  it('hydrate and dehydrate killed at chosen moments never leave a partial file; each rerun finishes', { timeout: 300_000 }, async (t) => {
    const clone = await fx.clone('hydrate-moments');
    // Moments told apart by file sizes (a rename is atomic: the size says which version is there).
    const count = (size: (f: { content: Buffer }) => number): number =>
      FILES.filter((f) => {
        try {
          return statSync(join(clone, f.path)).size === size(f);
        } catch {
          return false;
        }
      }).length;
    const written = (): number => count((f) => f.content.length);
    const pointers = (): number => count((f) => pointer(f.content).length);
    const downloading = (): boolean => {
      try {
        return readdirSync(lfsTmp(clone)).some((n) => TOKEN.test(n));
      } catch {
        return false;
      }
    };
    const objects = (): number => {
      try {
        return readdirSync(join(clone, '.git', 'lfs', 'objects'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
      } catch {
        return 0;
      }
    };
    const distinct = new Set(FILES.map((f) => sha256(f.content))).size;
    const rounds = [
      { hydrate: ['its first download', () => downloading()], dehydrate: ['2 pointers written', () => pointers() >= 2] },
      { hydrate: ['4 files written', () => written() >= 4], dehydrate: ['12 pointers written', () => pointers() >= 12] },
      { hydrate: ['10 files written', () => written() >= 10], dehydrate: ['the first object pruned', () => objects() < distinct] },
      { hydrate: ['17 files written', () => written() >= 17], dehydrate: ['7 pointers written', () => pointers() >= 7] },
    ] as const;
    // A slow server (each GET held 100 ms) spreads the run over downloads and writes alike.
    await proxy.setFault({ method: 'GET', action: { kind: 'delay', ms: 100 } });
    for (const [i, round] of rounds.entries()) {
      // Every other round the whole process group: any git child dies too.
      const group = i % 2 === 1;
      const how = group ? 'with its children' : 'alone';
      const hydrating = startCli(['hydrate', '-j', '8', '.'], clone, { group });
      const [hydrateMoment, hydrateReady] = round.hydrate;
      const killedHydrate = await killWhen(hydrating.pid, hydrateMoment, hydrateReady, { group });
      await hydrating.done;
      t.diagnostic(`hydrate ${killedHydrate ? `killed ${how} at ${hydrateMoment}` : `finished before ${hydrateMoment}`}: ${written()}/${FILES.length} files written`);
      await removeLockOfKilledGit(clone);
      await assertNothingPartial(clone);

      await cli(['hydrate', '.'], clone);
      await assertHydrated(clone);
      await assertClean(clone);
      assert.deepEqual(await worktreeTemps(clone), [], 'leftover temp files in the working tree');
      assert.deepEqual(await tempsIn(lfsTmp(clone)), [], 'leftover temp files in .git/lfs/tmp');

      // Back to pointers, and the local objects gone, for the next round.
      const dehydrating = startCli(['dehydrate', '--prune', '.'], clone, { group });
      const [dehydrateMoment, dehydrateReady] = round.dehydrate;
      const killedDehydrate = await killWhen(dehydrating.pid, dehydrateMoment, dehydrateReady, { group });
      await dehydrating.done;
      t.diagnostic(`dehydrate ${killedDehydrate ? `killed ${how} at ${dehydrateMoment}` : `finished before ${dehydrateMoment}`}: ${pointers()} pointers, ${objects()} local objects`);
      await removeLockOfKilledGit(clone);
      await assertNothingPartial(clone);
      await cli(['dehydrate', '--prune', '.'], clone);
      await assertClean(clone);
      assert.deepEqual(await worktreeTemps(clone), []);
    }
    await proxy.clearFault();
  });

  // A new commit in the origin with one new LFS file (under pushed/, which no test hydrates).
  let commits = 0;
  async function commitNew(name: string, size: number): Promise<{ path: string; oid: string; content: Buffer }> {
    const data = fileContent(1_000 + ++commits, size);
    await mkdir(dirname(join(fx.origin, name)), { recursive: true });
    await writeFile(join(fx.origin, name), data);
    await fx.box.git(['add', name], { cwd: fx.origin });
    await fx.box.git(['commit', '-q', '-m', `add ${name}`], { cwd: fx.origin });
    return { path: name, oid: sha256(data), content: data };
  }
  const inBucket = (oid: string): Promise<Buffer | undefined> => fx.bucket.get(oid);
  const startGit = (args: string[], cwd: string, extraEnv: NodeJS.ProcessEnv = {}): Started =>
    start('git', ['-c', 'lfs.concurrenttransfers=1', ...args], { cwd, env: env(extraEnv), timeoutMs: 60_000 });

  it('the agent killed mid-download under git lfs pull: nothing partial; the rerun succeeds and removes its temp directory', TEST, async () => {
    const clone = await fx.clone('agent-pull');
    const file = BIG[2]!;
    await proxy.setFault({ method: 'GET', path: oidOf(file.path), action: { kind: 'stall', afterBytes: MiB } });
    const pull = startGit(['lfs', 'pull', '-I', file.path], clone);
    const agent = await findLfsLazy(pull.pid, 'agent');
    // The agent downloads into a directory of its own under .git/lfs/tmp; git-lfs renames from there.
    const partial = await waitFor('the agent’s download to reach 1 MiB', async () => {
      for (const temp of await tempsIn(lfsTmp(clone))) if ((await stat(temp)).size >= MiB) return temp;
      return undefined;
    });
    assert.match(relative(lfsTmp(clone), partial), new RegExp(`^lfs-lazy-[0-9a-f]{8}-${agent}-[0-9a-f]{8}/${oidOf(file.path)}-`));
    kill9(agent);
    const failed = await pull.done;
    assert.notEqual(failed.code, 0, 'git lfs pull reports the lost agent');
    await assertNothingPartial(clone);
    assert.ok(existsSync(partial));

    await proxy.clearFault();
    await git(['lfs', 'pull', '-I', file.path], clone);
    await assertHydrated(clone, [file]);
    await assertNothingPartial(clone);
    await assertClean(clone);
    assert.deepEqual(await readdir(lfsTmp(clone)), [], 'the killed agent’s temp directory was removed by the next agent');
  });

  it('the agent killed mid-PUT under git push: the rerun replaces what the server kept and the bucket holds the whole object', TEST, async (t) => {
    const file = await commitNew('pushed/put.bin', 6 * MiB);
    // The upload reaches the server for 2 MiB, then hangs there.
    await proxy.setFault({ method: 'PUT', path: file.oid, action: { kind: 'stall', direction: 'request', afterBytes: 2 * MiB } });
    const push = startGit(['push', '-q', 'origin', 'main'], fx.origin);
    const agent = await findLfsLazy(push.pid, 'agent');
    await waitFor('the PUT to be held mid-body', () => proxy.count({ method: 'PUT', path: file.oid, faulted: true }) > 0);
    await sleep(300);
    kill9(agent);
    assert.notEqual((await push.done).code, 0);
    // S3 makes an object visible only once its upload is complete; s3rver keeps what it received
    // under the final key. Either way no reader takes it: every download checks size and hash,
    // and status --remote does not count it.
    const kept = await inBucket(file.oid);
    t.diagnostic(`after the kill the server holds ${kept === undefined ? 'nothing' : `${kept.length} of ${file.content.length} bytes`}`);
    assert.ok(kept === undefined || kept.length < file.content.length);
    const remote = JSON.parse((await cli(['status', '--json', '--remote', file.path], fx.origin)).stdout) as { files: Array<{ remote: boolean }> };
    assert.equal(remote.files[0]?.remote, false);

    await proxy.clearFault();
    await git(['push', '-q', 'origin', 'main'], fx.origin);
    assert.ok((await inBucket(file.oid))?.equals(file.content), 'the rerun stored the whole object');
  });

  it('the agent killed mid multipart upload: nothing under the key; the rerun stores the whole object', TEST, async () => {
    const file = await commitNew('pushed/multipart.bin', 70 * MiB); // above the 64 MiB multipart threshold
    await proxy.setFault({ method: 'PUT', path: 'partNumber=2', action: { kind: 'stall' } });
    const push = startGit(['push', '-q', 'origin', 'main'], fx.origin);
    const agent = await findLfsLazy(push.pid, 'agent');
    await waitFor('part 2 to be held', () => proxy.count({ method: 'PUT', path: 'partNumber=2', faulted: true }) > 0);
    kill9(agent);
    assert.notEqual((await push.done).code, 0);
    assert.equal(await inBucket(file.oid), undefined, 'a multipart upload becomes visible only when completed');

    await proxy.clearFault();
    await git(['push', '-q', 'origin', 'main'], fx.origin);
    const stored = await inBucket(file.oid);
    assert.ok(stored !== undefined && sha256(stored) === file.oid, 'the rerun stored the whole object');
  });

  it('the agent killed mid-copy into a file:// store: no partial object; the next push stores it and removes the temp file', TEST, async () => {
    const storeDir = join(fx.box.root, 'file-store');
    const fileEnv = { LFS_LAZY_URL: pathToFileURL(storeDir).href };
    const file = await commitNew('pushed/file-store.bin', 48 * MiB);
    const storeTmp = join(storeDir, 'tmp');
    const push = startGit(['push', '-q', 'origin', 'main'], fx.origin, fileEnv);
    const agent = await findLfsLazy(push.pid, 'agent');
    const copying = (): boolean => {
      try {
        return readdirSync(storeTmp).some((n) => n.startsWith(`${file.oid}-`) && statSync(join(storeTmp, n)).size > 0);
      } catch {
        return false;
      }
    };
    assert.ok(await killWhen(agent, 'the copy into the store to begin', copying), 'the agent was killed mid-copy');
    assert.notEqual((await push.done).code, 0);
    const finalPath = join(storeDir, file.oid.slice(0, 2), file.oid.slice(2, 4), file.oid);
    assert.equal(existsSync(finalPath), false, 'no object under its final name');
    assert.equal(readdirSync(storeTmp).length, 1, 'the killed copy left its temp file');

    await git(['push', '-q', 'origin', 'main'], fx.origin, false, fileEnv);
    assert.equal(await fileSha256(finalPath), file.oid);
    assert.deepEqual(readdirSync(storeTmp), [], 'the next put removed the killed one’s temp file');
  });

  it('the filter killed mid-clean under git add: no object, no index entry; the rerun adds it and removes the temp file', TEST, async () => {
    const clone = await fx.clone('filter-clean');
    const data = fileContent(2_000, 48 * MiB);
    await writeFile(join(clone, 'big/added.bin'), data);
    const add = start('git', ['add', 'big/added.bin'], { cwd: clone, env: env(), timeoutMs: 60_000 });
    const filter = await findLfsLazy(add.pid, 'filter-process');
    // Content beyond the first 8 MiB goes to a temp file while it is hashed.
    const ingesting = (): boolean => {
      try {
        return readdirSync(lfsTmp(clone)).some((n) => n.startsWith('ingest-') && statSync(join(lfsTmp(clone), n)).size > 0);
      } catch {
        return false;
      }
    };
    assert.ok(await killWhen(filter, 'the clean to write its temp file', ingesting), 'the filter was killed mid-clean');
    const failed = await add.done;
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /clean filter 'lfs' failed/);
    await assertNothingPartial(clone);
    assert.equal(existsSync(join(clone, '.git', 'lfs', 'objects', sha256(data).slice(0, 2), sha256(data).slice(2, 4), sha256(data))), false);
    assert.equal((await git(['ls-files', 'big/added.bin'], clone)).stdout, '', 'nothing was staged');
    assert.equal((await tempsIn(lfsTmp(clone))).length, 1, 'the killed clean left its temp file');

    await git(['add', 'big/added.bin'], clone);
    assert.deepEqual(await tempsIn(lfsTmp(clone)), [], 'the next filter removed it');
    await assertNothingPartial(clone);
    assert.equal((await git(['cat-file', 'blob', ':big/added.bin'], clone)).stdout, pointer(data).toString());
    await git(['commit', '-q', '-m', 'added'], clone);
    await assertClean(clone);
  });

  it('the filter killed mid-smudge under git checkout: git stops, nothing partial; the rerun checks out the content', TEST, async () => {
    const changed = await (async () => {
      await fx.box.git(['checkout', '-q', '-b', 'smudge-kill'], { cwd: fx.origin });
      const data = fileContent(3_000, 4 * MiB);
      await writeFile(join(fx.origin, BIG[0]!.path), data);
      await fx.box.git(['commit', '-q', '-am', 'b0 changed'], { cwd: fx.origin });
      await git(['push', '-q', 'origin', 'smudge-kill'], fx.origin);
      await fx.box.git(['checkout', '-q', 'main'], { cwd: fx.origin });
      return { path: BIG[0]!.path, content: data };
    })();
    const clone = await fx.clone('filter-smudge');
    // big/ is in the hydrated set: the checkout's filter must fetch the new b0 content.
    await cli(['hydrate', 'big'], clone);
    await proxy.setFault({ method: 'GET', path: sha256(changed.content), action: { kind: 'stall', afterBytes: MiB } });
    const checkout = start('git', ['checkout', '-q', 'smudge-kill'], { cwd: clone, env: env(), timeoutMs: 60_000 });
    const filter = await findLfsLazy(checkout.pid, 'filter-process');
    await waitFor('the fetch to reach 1 MiB', async () => {
      for (const temp of await tempsIn(lfsTmp(clone))) if (temp.includes(sha256(changed.content)) && (await stat(temp)).size >= MiB) return true;
      return false;
    });
    kill9(filter);
    const failed = await checkout.done;
    assert.notEqual(failed.code, 0);
    // Git had removed the old file before asking for the new one: it is missing, never partial.
    assert.equal(existsSync(join(clone, changed.path)), false);
    const others = FILES.filter((f) => f.path !== changed.path);
    await assertNothingPartial(clone, others);

    await proxy.clearFault();
    await git(['checkout', '-q', 'smudge-kill'], clone);
    assert.ok((await readFile(join(clone, changed.path))).equals(changed.content));
    await assertNothingPartial(clone, others);
    await assertClean(clone);
    assert.deepEqual(await tempsIn(lfsTmp(clone)), [], 'the next filter removed the killed one’s temp file');
  });
});
