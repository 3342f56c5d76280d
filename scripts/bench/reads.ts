// `npm run bench`, group `reads` (issue 16): reads during training from another language —
// Python through `lfs-lazy serve` and through `lfs-lazy path --batch` — against hydrate, one
// `lfs-lazy path` process per file, and raw SDK GETs of the same objects, in the same run.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { Agent, get, type IncomingMessage } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CLI, exec, interleaved, machineBusyMs, median, timed, type BenchEnv } from './harness.js';
import { rawClient, rawGetMany } from './raw-sdk.js';
import type { Row } from './report.js';
import { makeDataset, writeRandomFile } from './scenarios.js';
import { storeGetMany } from './store-gets.js';

const MiB = 1024 * 1024;
const KiB = 1024;
const EXAMPLES = fileURLToPath(new URL('../../../examples/python', import.meta.url));
// A read cache that holds every object read here, so a second epoch is local.
const CACHE_SIZE = '4GiB';

interface S3 {
  bucket: string;
  endpoint: string;
}

// Why a row of this group misses, as far as the code and the row's details show it (written
// under the table by run.ts, only for the rows that missed).
export const READS_REASONS: Array<[RegExp, string]> = [
  [
    /^7a\.|^7e\./,
    "7a / 7e (Python through `lfs-lazy serve`, first epoch): once it has printed its URL the server lists the index's LFS files and loads the AWS SDK, its route to the endpoint and the credentials (src/serve/lifecycle.ts), so no read waits for them; per object not yet local, the server downloads it (one GET signed by the SDK's signer and sent without its middleware, src/store/s3-direct-request.ts), verifies it in memory and sends it from those bytes, then writes the read cache's copy and renames it into place while the client takes its answer and asks for the next (src/api/read-content.ts `openContent` → src/api/shared-fetch.ts `heldWhileFetched` → src/local/read-cache.ts `ReadCache.fetch`); the row's details set that against raw SDK GETs of the same objects and against the same reads once cached (the HTTP and lookup part). hydrate fetches 8 objects at once, a reader asking for one file at a time cannot: the GETs one after another through lfs-lazy's own S3 client in 7a's details are the floor for that; on this machine they are faster than hydrate itself (details), so what decides 7a is the server's own cost per read. On this 2-core machine the Python readers, the server and s3rver share the CPU. The details give the CPU every process of the machine spent (/proc/stat) through the server and for the raw GETs: divided by the cores, the first is the least time the row can take here, whatever the server does with its share.",
  ],
  [
    /^7c\./,
    "7c (Python through `path --batch`): batch mode answers its lookups from the same snapshot of the index as the server (the library's Repository, after its first four reads; taken again whenever the index file changes), so the second pass over files already local (details) costs less per file than through the server. What is left is, per object not yet local, the same verified fetch into the read cache as in 7a, and, inside the time, the co-process's start: node, the repository's settings, the first four lookups (three short git runs each) and loading the AWS SDK on the first fetch.",
  ],
  [
    /^7f\./,
    "7f (second epoch, all cached): the ratio is the first epoch over the second, and the first got faster (direct S3 reads, a flat read cache: ≈ 1.7 s → ≈ 1.2 s here) while the second did not change. In one hand run (a plain Python http.client loop, one server) the cached epochs took 193, 183, 176, 195, 134, 158, 134, 85, 72 and 71 ms: once V8 has optimized the cached-read path the server is at what the same Python loop gets from a trivial node server sending 64 KiB from memory (60–80 ms); the second epoch still runs much of that path unoptimized. Per cached read the server looks the path up (an lstat per component, the index snapshot), stats the two local stores, marks the object read (utimes), reads the file with one synchronous read and writes headers and body in one writev.",
  ],
  [
    /^7g\./,
    '7g (64 KiB Range read through `lfs-lazy serve`): on top of the Range GET the server adds a loopback HTTP hop, an lstat per path component, the index-snapshot check and two local-store lookups (src/serve/worktree-files.ts, src/api/read-content.ts); the same ranges once the object is in the read cache (details) measure that part alone.',
  ],
  [
    /^7h\./,
    "7h (a large file read whole through `lfs-lazy serve`): the object is sent while it downloads (src/api/shared-fetch.ts `sentWhileFetched`); every byte passes through the server's one thread more often than through the raw GET's client: received from S3, hashed (SHA-256, ≈ 0.6 s per GiB here), written into the read cache, and written to the reader's socket; on this 2-core machine s3rver, the server and the reader share the CPU, so what the reader spends counts. The row's reader is a Python process, the users' language (examples/python ServerClient.copy_to, 1 MiB blocks); the details give a Node http reader too. Measured by hand on this machine (/proc/<pid>/stat, 1 GiB): node's http client spends ≈ 1.5 s of CPU receiving the body from loopback (the raw GET's SDK client, the baseline, ≈ 1.9–2.4 s with its pipe to /dev/null; a drain that only counts the bytes made the raw GET no faster than 5 %), node's net socket with its 64 KiB reads ≈ 0.9 s, the same socket read into 1 MiB buffers (`onread`) ≈ 0.3 s, Python's http.client with readinto ≈ 0.3 s. So the server's S3 reads go over lfs-lazy's own HTTP/1.1 connections (src/http/): its CPU for this read went from ≈ 3.0 to ≈ 2.6 s, and this row with a Python reader from 0.75–0.94 to 0.89–1.00 in 3 interleaved pairs of the old and new server. What the server had cut before: a file is read and sent in pieces of 1 MiB, a download writes each megabyte into the read cache while the next one comes (by hand, 4 interleaved pairs: 4.25 → 3.71 s with the Node reader), its bytes go out as one write per megabyte written (node's 64 KiB pieces cost twice the CPU). With the Node reader the row stays near 0.6: s3rver ≈ 1.6 s, the reader ≈ 2.0 s and the server ≈ 2.6 s of CPU are ≈ 3.1 s on 2 cores at best, against a raw GET of ≈ 2.2–2.5 s.",
  ],
];

export interface ReadsContext {
  bench: BenchEnv;
  s3: S3;
  quick: boolean;
  rows: Row[];
  log(text: string): void;
}

// The Python side: examples/python's own classes, driven the way a training loop would. Reads
// JSON from stdin, prints one JSON line: timings in ms, measured inside the Python process.
//   serve:    LfsLazyServer starts `lfs-lazy serve`; one ServerClient reads every path, `epochs` times
//   batch:    BatchReader.local_path (one `path --batch` co-process), one request at a time, then
//             the file is read; `epochs` times
//   parallel: LfsLazyServer, then `workers` forked processes (a data loader's workers), each reading
//             its share of the paths through one ServerDataset; `epochs` times
//   stream:   one ServerClient.copy_to of `path` to /dev/null, from a server already started (`url`)
const PYTHON = String.raw`
import json, multiprocessing, os, sys, time
cfg = json.load(sys.stdin)
sys.path.insert(0, cfg["examples"])
from server_reader import LfsLazyServer, ServerClient, ServerDataset
from batch_reader import BatchReader

paths, size, repo, command = cfg.get("paths"), cfg["size"], cfg.get("repo"), cfg["command"]

def ms(since):
    return (time.perf_counter() - since) * 1000

def busy_ms():
    # CPU time all processes of the machine have spent busy (/proc/stat, USER_HZ 100).
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    return (sum(ticks) - ticks[3] - ticks[4]) * 10

def check(path, data):
    if len(data) != size:
        raise SystemExit("%s: read %d bytes, expected %d" % (path, len(data), size))

dataset = None

def ready(_):
    return os.getpid()

def share(worker):
    for i in range(worker, len(paths), cfg["workers"]):
        check(paths[i], dataset[i])
    return worker

result = {}
start = time.perf_counter()
if cfg["mode"] == "stream":
    client = ServerClient(cfg["url"])
    with open(os.devnull, "wb") as out:
        t = time.perf_counter()
        n = client.copy_to(cfg["path"], out)
        result["readMs"] = ms(t)
    client.close()
    if n != size:
        raise SystemExit("%s: read %d bytes, expected %d" % (cfg["path"], n, size))
elif cfg["mode"] == "batch":
    with BatchReader(repo, command=command) as reader:
        epochs = []
        for _ in range(cfg["epochs"]):
            t = time.perf_counter()
            for path in paths:
                with open(reader.local_path(path), "rb") as f:
                    check(path, f.read())
            epochs.append(ms(t))
            if len(epochs) == 1:
                result["totalMs"] = ms(start)
        result["epochsMs"] = epochs
else:
    with LfsLazyServer(repo, command=command) as server:
        result["startMs"] = ms(start)
        epochs = []
        if cfg["mode"] == "serve":
            client = server.client()
            for _ in range(cfg["epochs"]):
                t = time.perf_counter()
                for path in paths:
                    check(path, client.read(path))
                epochs.append(ms(t))
            client.close()
        else:
            dataset = ServerDataset(server.url, paths)
            with multiprocessing.get_context("fork").Pool(cfg["workers"]) as pool:
                pool.map(ready, range(cfg["workers"]), chunksize=1)
                cpu = []
                for _ in range(cfg["epochs"]):
                    t, b = time.perf_counter(), busy_ms()
                    pool.map(share, range(cfg["workers"]), chunksize=1)
                    epochs.append(ms(t))
                    cpu.append(busy_ms() - b)
                result["epochsCpuMs"] = cpu
        result["epochsMs"] = epochs
print(json.dumps(result))
`;

interface PythonResult {
  readMs?: number;
  startMs?: number;
  epochsMs?: number[];
  epochsCpuMs?: number[];
  totalMs?: number;
}

async function python(bench: BenchEnv, cfg: Record<string, unknown>): Promise<PythonResult> {
  // No __pycache__ left in examples/python.
  const run = await exec('python3', ['-c', PYTHON], { env: { ...bench.env, PYTHONDONTWRITEBYTECODE: '1' }, input: JSON.stringify({ examples: EXAMPLES, command: [process.execPath, CLI], ...cfg }) });
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as PythonResult;
}

// `lfs-lazy serve` started from here, for the reads made in this process.
interface ServeProcess {
  port: number;
  token: string;
  stop(): Promise<void>;
}

async function startServe(bench: BenchEnv, cwd: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve'], { cwd, env: bench.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      resolve(out.slice(0, nl));
    };
    child.stdout.on('data', onData);
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`lfs-lazy serve exited ${code} before printing its URL\n${stderr}`)));
  });
  const url = new URL(line);
  return {
    port: Number(url.port),
    token: url.searchParams.get('token') ?? '',
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`lfs-lazy serve exited ${code} on SIGTERM\n${stderr}`);
    },
  };
}

// Counts the bytes of a body on their way to /dev/null.
async function drainToDevNull(body: Readable): Promise<number> {
  let bytes = 0;
  await pipeline(
    body,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        bytes += chunk.length;
        yield chunk;
      }
    },
    createWriteStream('/dev/null'),
  );
  return bytes;
}

function serverGet(server: ServeProcess, path: string, agent: Agent, range?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${server.token}` };
    if (range !== undefined) headers['Range'] = range;
    get({ host: '127.0.0.1', port: server.port, path: `/${path}`, headers, agent }, (res) => {
      if (res.statusCode !== (range === undefined ? 200 : 206)) {
        res.resume();
        reject(new Error(`GET /${path} ${range ?? ''}: HTTP ${res.statusCode}`));
      } else resolve(res);
    }).on('error', reject);
  });
}

async function rawGetToDevNull(client: S3Client, bucket: string, key: string, range?: string): Promise<number> {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range !== undefined && { Range: range }) }));
  return drainToDevNull(res.Body as Readable);
}

function expectBytes(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: ${got} bytes, expected ${want}`);
}

export async function benchReads({ bench, s3, quick, rows, log }: ReadsContext): Promise<void> {
  const count = 300;
  const size = 64 * KiB;
  const runs = quick ? 2 : 5;
  const sample = quick ? 10 : 30;
  log(`reads: ${count} × 64 KiB, making and pushing the repository`);
  const ds = await makeDataset(bench, 'reads', count, size, s3);
  const keys = ds.oids.map((oid) => `reads/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`);
  const clone = join(bench.root, 'reads-clone');
  // Every contender starts from a lazy clone of its own, with an empty read cache.
  const freshClone = async (): Promise<void> => {
    await rm(clone, { recursive: true, force: true });
    await bench.git(['clone', '-q', ds.remote, clone]);
    await bench.git(['config', 'lfs-lazy.cachesize', CACHE_SIZE], clone);
  };
  const client = rawClient(s3.endpoint);
  const rawDir = join(bench.root, 'reads-raw');
  const emptyRawDir = async (): Promise<void> => {
    await rm(rawDir, { recursive: true, force: true });
    await mkdir(rawDir);
  };

  log('reads: Python through serve and path --batch vs hydrate vs one `lfs-lazy path` per file');
  const serveRuns: PythonResult[] = [];
  const batchRuns: PythonResult[] = [];
  const sampled = Array.from({ length: sample }, (_, i) => ds.files[Math.floor((i * count) / sample)]!);
  await bench.takePeakRss();
  const one = await interleaved(runs, {
    hydrate: { prepare: freshClone, run: () => timed(() => bench.cli(['hydrate', 'data'], clone)) },
    serve: {
      prepare: freshClone,
      run: async () => {
        const r = await python(bench, { mode: 'serve', repo: clone, paths: ds.files, size, epochs: 2 });
        serveRuns.push(r);
        // From starting the server to the last byte of the first epoch (hydrate's time also
        // counts the start of its process).
        return r.startMs! + r.epochsMs![0]!;
      },
    },
    batch: {
      prepare: freshClone,
      run: async () => {
        const r = await python(bench, { mode: 'batch', repo: clone, paths: ds.files, size, epochs: 2 });
        batchRuns.push(r);
        return r.totalMs!;
      },
    },
    // One process per file, on a sample, scaled to all the files.
    perFile: {
      prepare: freshClone,
      run: async () => {
        const ms = await timed(async () => {
          for (const file of sampled) await bench.cli(['path', file], clone);
        });
        return (ms / sample) * count;
      },
    },
    // Not a goal: what any reader that asks for one object at a time can reach here.
    rawOneByOne: { prepare: emptyRawDir, run: () => timed(() => rawGetMany(client, s3.bucket, keys, rawDir, 1)) },
    // The same through lfs-lazy's own S3 client: the least a one-at-a-time reader of lfs-lazy pays.
    storeOneByOne: { prepare: emptyRawDir, run: () => timed(() => storeGetMany(s3.endpoint, s3.bucket, 'reads', ds.oids, rawDir, 1)) },
  });
  const pythonRss = (await bench.takePeakRss())['serve'];
  const serveStart = median(serveRuns.map((r) => r.startMs!));
  const firstEpoch = median(serveRuns.map((r) => r.epochsMs![0]!));
  const secondEpoch = median(serveRuns.map((r) => r.epochsMs![1]!));
  const batchFirst = median(batchRuns.map((r) => r.epochsMs![0]!));
  const batchSecond = median(batchRuns.map((r) => r.epochsMs![1]!));
  const perFileName = `one \`lfs-lazy path\` process per file (${sample} sampled, scaled to ${count})`;
  const serveExtra = `from starting \`lfs-lazy serve\` (${serveStart.toFixed(0)} ms to its URL line) to the last byte of the first epoch; the reads alone ${firstEpoch.toFixed(0)} ms (${((count * size) / MiB / (firstEpoch / 1000)).toFixed(1)} MiB/s); hydrate ${one.hydrate.toFixed(0)} ms is its whole process; the same GETs one after another through lfs-lazy's own S3 client, nothing verified, to files, ${one.storeOneByOne.toFixed(0)} ms (what a reader asking for one file at a time can reach here: ${(one.hydrate / one.storeOneByOne).toFixed(2)} of hydrate's throughput), through the raw SDK ${one.rawOneByOne.toFixed(0)} ms${pythonRss !== undefined ? `; the server's peak RSS ${pythonRss.toFixed(0)} MiB` : ''}`;
  rows.push({ target: `7a. Python reads ${count} × 64 KiB one after another through \`lfs-lazy serve\``, ours: one.serve, baseline: one.hydrate, baselineName: '`lfs-lazy hydrate` of the same files', goal: 'throughput ratio ≥ 0.8', met: one.hydrate / one.serve >= 0.8, unit: 'ms', ratioOf: 'baseline/ours', extra: serveExtra });
  rows.push({ target: `7b. Python reads ${count} × 64 KiB one after another through \`lfs-lazy serve\` vs per-file processes`, ours: one.serve, baseline: one.perFile, baselineName: perFileName, goal: 'speed-up ≥ 20', met: one.perFile >= 20 * one.serve, unit: 'ms', ratioOf: 'baseline/ours' });
  const batchExtra = `one \`lfs-lazy path --batch -z\` co-process (examples/python/batch_reader.py, BatchReader.local_path, one request at a time), each answer's file read whole; from the first request (which starts the co-process) to the last file read; the reads alone ${batchFirst.toFixed(0)} ms, ${(batchFirst / count).toFixed(1)} ms a file; a second pass over the same files, all local, ${batchSecond.toFixed(0)} ms (${(batchSecond / count).toFixed(1)} ms a file, against ${(secondEpoch / count).toFixed(1)} through the server)`;
  rows.push({ target: `7c. Python reads ${count} × 64 KiB one after another through \`lfs-lazy path --batch\``, ours: one.batch, baseline: one.hydrate, baselineName: '`lfs-lazy hydrate` of the same files', goal: 'throughput ratio ≥ 0.8', met: one.hydrate / one.batch >= 0.8, unit: 'ms', ratioOf: 'baseline/ours', extra: batchExtra });
  rows.push({ target: `7d. Python reads ${count} × 64 KiB one after another through \`lfs-lazy path --batch\` vs per-file processes`, ours: one.batch, baseline: one.perFile, baselineName: perFileName, goal: 'speed-up ≥ 20', met: one.perFile >= 20 * one.batch, unit: 'ms', ratioOf: 'baseline/ours' });

  log('reads: 8 Python readers in parallel through serve vs raw SDK GETs at concurrency 8');
  const workers = 8;
  const parallelSecond: number[] = [];
  const cpu = { serve: [] as number[], raw: [] as number[] };
  const parallel = await interleaved(runs, {
    serve: {
      prepare: freshClone,
      run: async () => {
        const r = await python(bench, { mode: 'parallel', repo: clone, paths: ds.files, size, workers, epochs: 2 });
        parallelSecond.push(r.epochsMs![1]!);
        cpu.serve.push(r.epochsCpuMs![0]!);
        return r.epochsMs![0]!;
      },
    },
    raw: {
      prepare: emptyRawDir,
      run: async () => {
        const busy = machineBusyMs();
        const ms = await timed(() => rawGetMany(client, s3.bucket, keys, rawDir, workers));
        cpu.raw.push(machineBusyMs() - busy);
        return ms;
      },
    },
  });
  const cores = availableParallelism();
  const cpuExtra = `CPU busy during the run, all processes (/proc/stat): ${median(cpu.serve).toFixed(0)} core-ms through the server, so on ${cores} cores no less than ${(median(cpu.serve) / cores).toFixed(0)} ms; ${median(cpu.raw).toFixed(0)} core-ms for the raw GETs`;
  rows.push({ target: `7e. ${workers} Python readers in parallel through \`lfs-lazy serve\`, ${count} × 64 KiB`, ours: parallel.serve, baseline: parallel.raw, baselineName: `raw SDK GETs of the same objects, ${workers} concurrent, to files`, goal: 'throughput ratio ≥ 0.7', met: parallel.raw / parallel.serve >= 0.7, unit: 'ms', ratioOf: 'baseline/ours', extra: `${workers} forked Python processes (a data loader's workers), each reading its share through one ServerDataset (its own kept-alive connection), the server started before the timing in a fresh lazy clone; a second epoch by the same readers, all local: ${median(parallelSecond).toFixed(0)} ms; ${cpuExtra}` });
  rows.push({ target: `7f. second epoch over the same ${count} files through \`lfs-lazy serve\` (all cached)`, ours: secondEpoch, baseline: firstEpoch, baselineName: 'the first epoch (empty read cache), same Python process', goal: 'speed-up ≥ 5', met: firstEpoch >= 5 * secondEpoch, unit: 'ms', ratioOf: 'baseline/ours', extra: `one ServerClient reading every file in turn, both epochs timed inside Python (the runs of row 7a); \`lfs-lazy.cachesize\` ${CACHE_SIZE}` });
  await rm(clone, { recursive: true, force: true });
  await rm(rawDir, { recursive: true, force: true });
  await rm(ds.repo, { recursive: true, force: true });

  await benchBigReads({ bench, s3, quick, rows, log }, client);
  client.destroy();
}

// One large LFS file (big.bin) in a repository pushed through the agent, as makeDataset does for
// many small ones.
async function makeBigRepo(bench: BenchEnv, name: string, size: number, s3: S3): Promise<{ remote: string; oid: string }> {
  const repo = join(bench.root, `${name}-origin`);
  const remote = join(bench.root, `${name}.git`);
  await bench.git(['init', '-q', '--bare', remote]);
  await bench.git(['init', '-q', repo]);
  await bench.cli(['install', '--url', `s3://${s3.bucket}/${name}`, '--endpoint', s3.endpoint, '--region', 'us-east-1'], repo);
  await bench.git(['lfs', 'track', '*.bin'], repo);
  const oid = await writeRandomFile(join(repo, 'big.bin'), size);
  await bench.git(['add', '.'], repo);
  await bench.git(['commit', '-q', '-m', name], repo);
  await bench.git(['remote', 'add', 'origin', remote], repo);
  await bench.git(['push', '-q', 'origin', 'main'], repo);
  await rm(repo, { recursive: true, force: true });
  return { remote, oid };
}

async function benchBigReads({ bench, s3, quick, rows, log }: ReadsContext, client: S3Client): Promise<void> {
  const size = quick ? 256 * MiB : 1024 * MiB;
  const label = quick ? '256 MiB' : '1 GiB';
  log(`reads: ${label} object, making and pushing the repository`);
  const { remote, oid } = await makeBigRepo(bench, 'readsbig', size, s3);
  const key = `readsbig/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
  const clone = join(bench.root, 'readsbig-clone');
  const freshClone = async (): Promise<void> => {
    await rm(clone, { recursive: true, force: true });
    await bench.git(['clone', '-q', remote, clone]);
    await bench.git(['config', 'lfs-lazy.cachesize', CACHE_SIZE], clone);
  };
  let server: ServeProcess | undefined;
  const stopServer = async (): Promise<void> => {
    const running = server;
    server = undefined;
    await running?.stop();
  };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    // Range reads first: they never bring the object here, so every one is a remote read.
    log(`reads: 64 KiB Range reads of the non-local ${label} object, serve vs raw SDK`);
    await freshClone();
    await bench.takePeakRss();
    server = await startServe(bench, clone);
    const span = 64 * KiB;
    const ranges = Array.from({ length: quick ? 20 : 200 }, () => {
      const start = Math.floor(Math.random() * ((size - span) / 4096)) * 4096;
      return `bytes=${start}-${start + span - 1}`;
    });
    const viaServer = async (range: string): Promise<number> => {
      let bytes = 0;
      const ms = await timed(async () => (bytes = await drainToDevNull(await serverGet(server!, 'big.bin', agent, range))));
      expectBytes(`serve ${range}`, bytes, span);
      return ms;
    };
    const viaRaw = async (range: string): Promise<number> => {
      let bytes = 0;
      const ms = await timed(async () => (bytes = await rawGetToDevNull(client, s3.bucket, key, range)));
      expectBytes(`raw ${range}`, bytes, span);
      return ms;
    };
    // Warm both: the server's first request opens its S3 client; the SDK's first its connection.
    for (const range of ranges.slice(0, 2)) {
      await viaServer(range);
      await viaRaw(range);
    }
    const serverMs: number[] = [];
    const rawMs: number[] = [];
    for (const [i, range] of ranges.entries()) {
      // Each goes first half the time.
      if (i % 2) {
        serverMs.push(await viaServer(range));
        rawMs.push(await viaRaw(range));
      } else {
        rawMs.push(await viaRaw(range));
        serverMs.push(await viaServer(range));
      }
    }
    const rangeServer = median(serverMs);
    const rangeRaw = median(rawMs);
    const rangeExtra = `median of ${ranges.length} random 4 KiB-aligned offsets each, taking turns, one kept-alive connection each, after 2 warm-up reads; serve ${Math.min(...serverMs).toFixed(1)}–${Math.max(...serverMs).toFixed(1)} ms, raw ${Math.min(...rawMs).toFixed(1)}–${Math.max(...rawMs).toFixed(1)} ms`;
    await stopServer();

    log(`reads: ${label} read sequentially through serve (a Python reader, a Node reader) vs raw SDK GET, all to /dev/null`);
    const n = quick ? 2 : 3;
    const firstByte: number[] = [];
    const wholeCpu = { serve: [] as number[], serveNode: [] as number[], raw: [] as number[] };
    // A fresh clone (nothing cached) and a server of its own, for each read through it.
    const freshServer = async (): Promise<void> => {
      await stopServer();
      await freshClone();
      server = await startServe(bench, clone);
    };
    const whole = await interleaved(n, {
      raw: {
        run: async () => {
          let bytes = 0;
          const busy = machineBusyMs();
          const ms = await timed(async () => (bytes = await rawGetToDevNull(client, s3.bucket, key)));
          wholeCpu.raw.push(machineBusyMs() - busy);
          expectBytes('raw GET', bytes, size);
          return ms;
        },
      },
      // The row's reader: a training job's, examples/python's ServerClient.copy_to (1 MiB blocks),
      // timed inside the Python process from its request to its last byte.
      serve: {
        prepare: freshServer,
        run: async () => {
          const busy = machineBusyMs();
          const r = await python(bench, { mode: 'stream', url: `http://127.0.0.1:${server!.port}/?token=${server!.token}`, path: 'big.bin', size });
          wholeCpu.serve.push(machineBusyMs() - busy);
          return r.readMs!;
        },
      },
      // The same read by a Node http GET, whose receiving costs several times a Python reader's CPU.
      serveNode: {
        prepare: freshServer,
        run: async () => {
          let bytes = 0;
          const busy = machineBusyMs();
          const start = process.hrtime.bigint();
          const res = await serverGet(server!, 'big.bin', agent);
          firstByte.push(Number(process.hrtime.bigint() - start) / 1e6);
          bytes = await drainToDevNull(res);
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          wholeCpu.serveNode.push(machineBusyMs() - busy);
          expectBytes('serve GET', bytes, size);
          return ms;
        },
      },
    });
    // The last server still runs, its object now in the read cache: the same reads from there,
    // which is what the server adds on its own.
    const cachedWhole = await timed(async () => expectBytes('cached serve GET', await drainToDevNull(await serverGet(server!, 'big.bin', agent)), size));
    const cachedRangeMs: number[] = [];
    for (const range of ranges) cachedRangeMs.push(await viaServer(range));
    await stopServer();
    const peaks = await bench.takePeakRss();
    const serveRss = peaks['serve'] ?? NaN;
    rows.push({ target: `7g. 64 KiB Range read of a non-local ${label} object through \`lfs-lazy serve\``, ours: rangeServer, baseline: rangeRaw, baselineName: 'raw SDK ranged GET of the same bytes', goal: 'latency ratio ≤ 1.5', met: rangeServer <= 1.5 * rangeRaw, unit: 'ms', ratioOf: 'ours/baseline', extra: `${rangeExtra}; the same ranges once the object is in the read cache: ${median(cachedRangeMs).toFixed(1)} ms (the server's own part)` });
    const cores = availableParallelism();
    const mibps = (ms: number): string => (size / MiB / (ms / 1000)).toFixed(0);
    const cpuBound = (busy: number[]): string => `${median(busy).toFixed(0)} core-ms, so no less than ${(median(busy) / cores).toFixed(0)} ms on ${cores} cores`;
    rows.push({ target: `7h. ${label} read sequentially through \`lfs-lazy serve\``, ours: whole.serve, baseline: whole.raw, baselineName: 'raw SDK GET of the same object to /dev/null', goal: 'throughput ratio ≥ 0.7', met: whole.raw / whole.serve >= 0.7, unit: 'ms', ratioOf: 'baseline/ours', extra: `read by a Python process (examples/python ServerClient.copy_to to /dev/null, 1 MiB blocks), in a fresh lazy clone with the server already started: ${mibps(whole.serve)} MiB/s vs raw ${mibps(whole.raw)} MiB/s. The same read by a Node http GET piped to /dev/null: ${whole.serveNode.toFixed(0)} ms, ratio ${(whole.raw / whole.serveNode).toFixed(2)} (node's http client spends ≈ 1.5 s of CPU receiving 1 GiB where Python spends ≈ 0.3 s, and on ${cores} cores the reader shares the CPU with the server and s3rver); its first byte came after ${median(firstByte).toFixed(0)} ms (a whole read of an object that is not here is sent while it downloads, each megabyte once hashed and written into the read cache, its last chunk once the whole object is verified); the same read once cached: ${cachedWhole.toFixed(0)} ms. CPU busy during the read, all processes (/proc/stat): Python reader ${cpuBound(wholeCpu.serve)}; Node reader ${cpuBound(wholeCpu.serveNode)}; raw GET ${median(wholeCpu.raw).toFixed(0)} core-ms` });
    rows.push({ target: `7i. peak RSS of \`lfs-lazy serve\` (${label} read, Range reads)`, ours: serveRss, baseline: 200, baselineName: 'the 200 MiB limit', goal: '< 200 MiB', met: serveRss < 200, unit: 'MiB', ratioOf: 'ours/baseline', extra: `the largest of the ${n + 1} servers of rows 7g and 7h, from LFS_LAZY_BENCH_RSS_FILE` });
  } finally {
    await stopServer().catch(() => undefined);
    agent.destroy();
    await rm(clone, { recursive: true, force: true });
  }
}
