// Several lfs-lazy and git processes on one clone, or on two clones sharing one object store, at
// the same time: hydrate runs over overlapping paths, a hydrate during a git checkout and a git
// checkout during a hydrate, two clones hydrating, pulling and adding through one `lfs.storage`.
// Each ends with every file exactly its pointer or its content, every object whole, no temp file
// left, the hydrated set holding every run's patterns, and a clean `git status`.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';
import { start, waitFor, type Started } from '../helpers/processes.js';
import { CLI_PATH, makeSandbox, type RunResult, type Sandbox } from '../helpers/sandbox.js';
import type { HydrateReport } from '../../src/hydration/hydrate.js';
import { HydratedSet } from '../../src/hydration/hydrated-set.js';
import { encodePointer } from '../../src/protocol/pointer.js';
import { machineTag } from '../../src/util/temp-files.js';
import { fileSha256, filePaths as walk } from '../helpers/disk.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const TEST = { timeout: 180_000 };
const TOKEN = /lfs-lazy-[0-9a-f]{8}-[0-9]+-[0-9a-f]{8}/;

const A = Array.from({ length: 10 }, (_, i) => ({ path: `data/a/a${i}.bin`, content: fileContent(i, 64 * KiB + i * 7_000) }));
const B = Array.from({ length: 10 }, (_, i) => ({ path: `data/b/b${i}.json`, content: fileContent(100 + i, 8 * KiB + i * 900) }));
const M = Array.from({ length: 4 }, (_, i) => ({ path: `models/m${i}.bin`, content: fileContent(200 + i, MiB + i * 50_000) }));
// Same objects under other paths: one download, several files.
const DUPS = [
  { path: 'data/b/dup-of-a1.json', content: A[1]!.content },
  { path: 'models/dup-of-b2.bin', content: B[2]!.content },
];
const FILES = [...A, ...B, ...M, ...DUPS];
// On branch `other`: these files change (and one new file).
const OTHER = [
  { path: A[0]!.path, content: fileContent(900, 70 * KiB) },
  { path: A[5]!.path, content: fileContent(905, 90 * KiB) },
  { path: M[1]!.path, content: fileContent(911, MiB + 1) },
  { path: 'data/a/new.bin', content: fileContent(920, 33 * KiB) },
];



const pointer = (data: Buffer): Buffer => encodePointer({ oid: sha256(data), size: data.length, extensions: [] });
const under = (...prefixes: string[]) => (path: string): boolean => prefixes.some((p) => p === '.' || path === p || path.startsWith(`${p}/`));

// What overlapping hydrate runs guarantee, and no more: each run reports every file it selected
// as hydrated by it or already hydrated (never modified: it holds the right content), and each
// file was given its content by at least one run. Not by exactly one: two runs may both find the
// pointer in place and both rename a complete copy over it (each rename is atomic, the content
// the same), as two `git checkout`s may.
function assertOverlapReports(reports: readonly HydrateReport[], runs: readonly string[][], paths: readonly string[]): void {
  const hydratedBy = new Set<string>();
  for (const [i, report] of reports.entries()) {
    assert.deepEqual(report.failed, [], `run #${i} failed`);
    assert.deepEqual(report.skipped, [], `run #${i}: a file another run hydrated is reported as already hydrated, not as modified`);
    const selected = paths.filter(under(...runs[i]!)).sort();
    assert.deepEqual([...report.hydrated, ...report.alreadyHydrated].sort(), selected, `run #${i} accounts for each file it selected`);
    for (const path of report.hydrated) hydratedBy.add(path);
  }
  assert.deepEqual([...hydratedBy].sort(), paths.filter(under(...runs.flat())).sort(), 'every selected file hydrated by some run');
}

describe('concurrency: processes sharing a clone or a store', { timeout: 900_000 }, () => {
  let fx: LfsFixture;
  let proxy: FaultProxy;

  before(async () => {
    fx = await makeLfsFixture({ files: FILES });
    await fx.box.git(['checkout', '-q', '-b', 'other'], { cwd: fx.origin });
    for (const f of OTHER) await writeFile(join(fx.origin, f.path), f.content);
    await fx.box.git(['add', '.'], { cwd: fx.origin });
    await fx.box.git(['commit', '-q', '-m', 'other'], { cwd: fx.origin });
    await fx.box.git(['push', '-q', 'origin', 'other'], { cwd: fx.origin });
    await fx.box.git(['checkout', '-q', 'main'], { cwd: fx.origin });
    proxy = await startFaultProxy(fx.server.endpoint);
  });
  after(async () => {
    await proxy?.close();
    await fx?.cleanup();
  });

  const env = (): NodeJS.ProcessEnv => ({ ...fx.box.env, LFS_LAZY_ENDPOINT: proxy.endpoint });
  const startCli = (args: string[], cwd: string): Started => start(process.execPath, [CLI_PATH, ...args], { cwd, env: env(), timeoutMs: 120_000 });
  const startGit = (args: string[], cwd: string): Started => start('git', args, { cwd, env: env(), timeoutMs: 120_000 });
  const cli = (args: string[], cwd: string): Promise<RunResult> => fx.box.cli(args, { cwd, env: env(), timeoutMs: 120_000 });
  const git = (args: string[], cwd: string): Promise<RunResult> => fx.box.git(args, { cwd, env: env(), timeoutMs: 120_000 });
  const ok = async (run: Started, what: string): Promise<RunResult> => {
    const result = await run.done;
    assert.equal(result.code, 0, `${what} failed: ${result.stderr}${result.stdout}`);
    return result;
  };

  // The files of the checked-out commit, as the index names them.
  async function indexFiles(clone: string): Promise<Map<string, Buffer>> {
    const branch = (await git(['rev-parse', '--abbrev-ref', 'HEAD'], clone)).stdout.trim();
    const files = new Map(FILES.map((f) => [f.path, f.content]));
    if (branch === 'other') for (const f of OTHER) files.set(f.path, f.content);
    return files;
  }

  // Every LFS file exactly its pointer or its content (its content where `hydrated` says so),
  // every local object whole, no temp file anywhere, git status clean.
  async function assertConsistent(clone: string, hydrated?: (path: string) => boolean, objectsDir = join(clone, '.git', 'lfs', 'objects')): Promise<void> {
    for (const [path, data] of await indexFiles(clone)) {
      const got = await readFile(join(clone, path));
      if (hydrated?.(path) === true) assert.ok(got.equals(data), `${path} should hold its content`);
      else if (hydrated?.(path) === false) assert.ok(got.equals(pointer(data)), `${path} should be its pointer`);
      else assert.ok(got.equals(data) || got.equals(pointer(data)), `${path} is neither its pointer nor its content`);
    }
    for (const object of await walk(objectsDir)) assert.equal(await fileSha256(object), object.split('/').pop(), `corrupt object ${object}`);
    const temps = (await walk(clone, (rel) => rel.startsWith('.git/lfs/objects/'))).filter((p) => TOKEN.test(p));
    assert.deepEqual(temps, [], 'temp files left behind');
    assert.equal((await git(['status', '--porcelain'], clone)).stdout, '', 'git status is not clean');
  }

  it('hydrate runs over overlapping paths at the same time: every file hydrated, never called modified, every pattern kept', TEST, async (t) => {
    const clone = await fx.clone('overlap');
    const runs = [
      ['data/a', 'data/b/b0.json', 'models/m0.bin'],
      ['data/b', 'models/m0.bin', 'data/a/a3.bin'],
      ['models', 'data/a/a7.bin', 'data/b/dup-of-a1.json'],
    ];
    const selected = under(...runs.flat());
    // Several rounds: each starts from pointers and an empty local store.
    for (let round = 0; round < 2; round++) {
      const reports = await Promise.all(
        runs.map(async (specs, i) => {
          const result = await ok(startCli(['hydrate', '--json', '-j', '8', ...specs], clone), `hydrate #${i}`);
          return JSON.parse(result.stdout) as HydrateReport;
        }),
      );
      assertOverlapReports(reports, runs, FILES.map((f) => f.path));
      t.diagnostic(`round ${round}: hydrated ${reports.map((r) => r.hydrated.length).join(' + ')}, already hydrated ${reports.map((r) => r.alreadyHydrated.length).join(' + ')}`);

      await assertConsistent(clone, selected);
      const set = await HydratedSet.load(join(clone, '.git'));
      for (const f of FILES) assert.equal(set.has(f.path), selected(f.path), `${f.path} in the hydrated set: ${set.entries.join(', ')}`);

      await cli(['dehydrate', '--prune', '.'], clone);
      await assertConsistent(clone, () => false);
    }
  });

  it('a hydrate started during a git checkout waits for it, then leaves the new branch consistent', TEST, async (t) => {
    const clone = await fx.clone('hydrate-during-checkout');
    // Every object of main local, data/a in the hydrated set, everything else a pointer.
    await cli(['hydrate', 'data', 'models'], clone);
    await cli(['dehydrate', 'data/b', 'models'], clone);
    // The checkout must fetch the new data/a files (in the hydrated set) from a slow server, and
    // holds git's index lock all the while; the hydrate has its objects at hand and writes at once.
    await proxy.setFault({ method: 'GET', action: { kind: 'delay', ms: 2_000 } });
    try {
      const checkout = startGit(['checkout', '-q', 'other'], clone);
      await waitFor('the checkout to lock the index', () => existsSync(join(clone, '.git', 'index.lock')));
      const hydrate = startCli(['hydrate', '--json', 'data', 'models'], clone);
      await ok(checkout, 'git checkout');
      const report = JSON.parse((await ok(hydrate, 'hydrate')).stdout) as HydrateReport;
      t.diagnostic(`hydrate: ${report.hydrated.length} hydrated, ${report.alreadyHydrated.length} already, skipped ${JSON.stringify(report.skipped)}`);
      assert.deepEqual(report.failed, []);
      assert.equal((await git(['rev-parse', '--abbrev-ref', 'HEAD'], clone)).stdout.trim(), 'other');
      await assertConsistent(clone);
    } finally {
      await proxy.clearFault();
    }
    // What the checkout changed under the hydrate (reported as skipped) is hydrated by a rerun.
    await cli(['hydrate', 'data', 'models'], clone);
    await assertConsistent(clone, under('data', 'models'));
  });

  it('a git checkout during a hydrate either waits its turn or is refused by git; nothing is lost either way', TEST, async (t) => {
    const clone = await fx.clone('checkout-during-hydrate');
    // A slow server keeps the hydrate busy writing files not yet recorded in the index.
    await proxy.setFault({ method: 'GET', action: { kind: 'delay', ms: 400 } });
    let checkout: RunResult;
    try {
      const hydrate = startCli(['hydrate', '-j', '2', '.'], clone);
      await waitFor('the first hydrated file', async () => (await readFile(join(clone, B[0]!.path))).equals(B[0]!.content) || (await readFile(join(clone, A[0]!.path))).equals(A[0]!.content), 60_000, 20);
      checkout = await fx.box.git(['checkout', '-q', 'other'], { cwd: clone, env: env(), allowFail: true, timeoutMs: 60_000 });
      await ok(hydrate, 'hydrate');
    } finally {
      await proxy.clearFault();
    }
    t.diagnostic(`checkout during hydrate: ${checkout.code === 0 ? 'succeeded' : `exited ${checkout.code}: ${checkout.stderr.split('\n')[0]}`}`);
    if (checkout.code !== 0) {
      // Git's own refusals: another git command holds the index, or a hydrated file was not yet re-indexed.
      assert.match(checkout.stderr, /index\.lock|would be overwritten by checkout/);
      await assertConsistent(clone);
      await git(['checkout', '-q', 'other'], clone);
    }
    assert.equal((await git(['rev-parse', '--abbrev-ref', 'HEAD'], clone)).stdout.trim(), 'other');
    await assertConsistent(clone);
    await cli(['hydrate', '.'], clone);
    await assertConsistent(clone, () => true);
  });

  it('two clones sharing one lfs.storage: hydrate, git lfs pull and git add at the same time; live temp files survive the sweeps', TEST, async () => {
    const shared = join(fx.box.root, 'shared-lfs');
    const one = await fx.clone('shared-one');
    const two = await fx.clone('shared-two');
    for (const clone of [one, two]) await git(['config', 'lfs.storage', shared], clone);
    // In the shared temp directory: what a killed process left, and a file a live one is writing.
    const sharedTmp = join(shared, 'tmp');
    await mkdir(sharedTmp, { recursive: true });
    const dead = await (async () => {
      const child = start(process.execPath, ['-e', ''], { cwd: fx.box.root, env: env() });
      await child.done;
      return child.pid;
    })();
    const leftover = join(sharedTmp, `${A[0]!.content.length}-ingest-lfs-lazy-${machineTag()}-${dead}-0123abcd`);
    const live = join(sharedTmp, `ingest-lfs-lazy-${machineTag()}-${process.pid}-0123abcd`);
    await writeFile(leftover, 'partial');
    await writeFile(live, 'being written');

    await proxy.setFault({ method: 'GET', action: { kind: 'delay', ms: 50 } });
    try {
      const hydrate = startCli(['hydrate', '-j', '8', '.'], one);
      const pull = startGit(['lfs', 'pull'], two);
      await ok(hydrate, 'hydrate in the first clone');
      await ok(pull, 'git lfs pull in the second clone');
    } finally {
      await proxy.clearFault();
    }
    // The same new file added in both clones at once: two cleans into one store.
    const added = fileContent(5_000, 24 * MiB);
    for (const clone of [one, two]) await writeFile(join(clone, 'data/added.bin'), added);
    await Promise.all([one, two].map((clone, i) => ok(startGit(['add', 'data/added.bin'], clone), `git add in clone ${i + 1}`)));
    for (const clone of [one, two]) await git(['commit', '-q', '-m', 'added'], clone);

    assert.equal(existsSync(leftover), false, 'the dead process’s temp file was swept');
    assert.equal(existsSync(live), true, 'a live process’s temp file is never swept');
    await writeFile(live, '');
    const { rm } = await import('node:fs/promises');
    await rm(live);
    for (const clone of [one, two]) await assertConsistent(clone, () => true, join(shared, 'objects'));
    assert.equal(existsSync(join(one, '.git', 'lfs', 'objects')), false, 'nothing went to the clone’s own store');
    assert.equal(await fileSha256(join(shared, 'objects', sha256(added).slice(0, 2), sha256(added).slice(2, 4), sha256(added))), sha256(added));
    assert.deepEqual((await walk(sharedTmp)).filter((p) => TOKEN.test(p)), []);
  });
});

// The race behind "modified" reports: one run looks at a file (a pointer) while another renames
// the content over it, so the stat and the bytes it read belonged to different files. Many small
// files, objects local (the bucket, a file:// store, is only asked by dehydrate, which makes
// pointers only of content it has), so that three runs look and write at the same moments;
// before the fix about every other round reported some file as modified.
describe('concurrency: overlapping hydrates never call a file with the right content modified', { timeout: 300_000 }, () => {
  let box: Sandbox;
  let repo: string;
  const SMALL = Array.from({ length: 300 }, (_, i) => ({ path: `d${i % 4}/f${String(i).padStart(3, '0')}.bin`, content: fileContent(5_000 + i, 300 + i) }));

  before(async () => {
    box = await makeSandbox();
    repo = join(box.root, 'repo');
    await box.git(['init', '-q', repo]);
    await box.cli(['install', '--local', '--url', `file://${join(box.root, 'store')}`], { cwd: repo });
    await box.git(['lfs', 'track', '*.bin'], { cwd: repo });
    for (const f of SMALL) {
      await mkdir(join(repo, f.path, '..'), { recursive: true });
      await writeFile(join(repo, f.path), f.content);
    }
    // The clean filter puts every object into the local store; a push copies them to the bucket.
    await box.git(['add', '.'], { cwd: repo });
    await box.git(['commit', '-q', '-m', 'small files'], { cwd: repo });
    const remote = join(box.root, 'remote.git');
    await box.git(['init', '-q', '--bare', remote]);
    await box.git(['remote', 'add', 'origin', remote], { cwd: repo });
    await box.git(['push', '-q', 'origin', 'HEAD'], { cwd: repo });
  });
  after(() => box?.cleanup());

  it('three runs over the same files, eight rounds: each file hydrated or already hydrated, never modified', async (t) => {
    const runs = [['.'], ['d1', 'd2', 'd3', 'd0'], ['d0', '.']];
    const paths = SMALL.map((f) => f.path);
    for (let round = 0; round < 8; round++) {
      await box.cli(['dehydrate', '.'], { cwd: repo });
      const started = runs.map((specs) => start(process.execPath, [CLI_PATH, 'hydrate', '--json', ...specs], { cwd: repo, env: box.env, timeoutMs: 120_000 }));
      const reports = await Promise.all(
        started.map(async (run, i) => {
          const result = await run.done;
          assert.equal(result.code, 0, `hydrate #${i} failed: ${result.stderr}`);
          return JSON.parse(result.stdout) as HydrateReport;
        }),
      );
      t.diagnostic(`round ${round}: hydrated ${reports.map((r) => r.hydrated.length).join(' + ')}, skipped ${reports.map((r) => r.skipped.length).join(' + ')}`);
      assertOverlapReports(reports, runs, paths);
      for (const f of SMALL) assert.ok((await readFile(join(repo, f.path))).equals(f.content), `${f.path} should hold its content`);
      assert.equal((await box.git(['status', '--porcelain'], { cwd: repo })).stdout, '', 'git status is not clean');
    }
  });
});

