// `npm run bench`, group `fixed` (issue 13): the fixed cost of every command that needs no network,
// against its floor — `node -e 0` plus the git commands the command itself runs, each timed alone.
// The git commands are not a hand-kept list: one untimed run of each command goes through a `git`
// on PATH that records every git process lfs-lazy starts (arguments, directory, GIT_* environment
// and the bytes it was given on stdin), then hands over to the real git; those are replayed alone.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, exec, median, type BenchEnv } from './harness.js';
import type { Row } from './report.js';

export interface FixedContext {
  bench: BenchEnv;
  s3: { bucket: string; endpoint: string };
  quick: boolean;
  rows: Row[];
  log(text: string): void;
}

interface Command {
  name: string;
  args: string[];
  input?: string;
  // filter-process: timed from spawn to the handshake reply, as git waits for it.
  handshake?: boolean;
}

interface GitRun {
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdin: Buffer;
}

const COMMANDS: Command[] = [
  { name: '`lfs-lazy --version`', args: ['--version'] },
  { name: '`path` of a local object', args: ['path', 'data/a.bin'] },
  { name: '`cat` of a local object', args: ['cat', 'data/a.bin'] },
  { name: '`path --batch`, one request', args: ['path', '--batch'], input: 'data/a.bin\n' },
  { name: '`status` (2 LFS files)', args: ['status'] },
  { name: '`hydrate`, nothing to do', args: ['hydrate', 'data/a.bin'] },
  { name: '`dehydrate`, nothing to do', args: ['dehydrate', 'data/b.bin'] },
  { name: '`fingerprint`', args: ['fingerprint'] },
  { name: '`filter-process` start-up (spawn → handshake reply)', args: ['filter-process'], handshake: true },
];

// Records each git process into a directory of its own under $FIXED_GIT_LOG, then becomes the real
// git with the same stdin (copied on its way by tee, which ends when lfs-lazy closes the pipe).
const RECORDING_GIT = `#!/bin/bash
d="$FIXED_GIT_LOG/$(date +%s%N)-$$"
mkdir "$d"
printf '%s\\0' "$@" > "$d/args"
pwd -P > "$d/cwd"
env -0 | grep -z '^GIT_' > "$d/env"
exec "$FIXED_REAL_GIT" "$@" < <(exec tee "$d/stdin" 2>/dev/null)
`;

// The least any node program can do for a command: start, then run the same git commands, one
// after another, from that one process (what `node -e 0` plus each git run alone leaves out: node
// loading child_process and forking itself). Reads the recorded runs from the file it is given.
const REPLAY = `const { spawn } = require('node:child_process');
const runs = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));
(async () => {
  for (const run of runs) {
    await new Promise((resolve) => {
      const child = spawn('git', run.args, { cwd: run.cwd, env: run.env, stdio: ['pipe', 'pipe', 'ignore'] });
      child.stdout.resume();
      child.stdin.on('error', () => undefined);
      child.stdin.end(Buffer.from(run.stdin, 'base64'));
      child.on('close', resolve);
    });
  }
})();
`;

function pktLine(text: string): string {
  return `${(text.length + 4).toString(16).padStart(4, '0')}${text}`;
}

// Milliseconds from spawn to exit (or to the end of the filter's handshake reply); the exit code
// is not checked: a replayed `git config --get` may answer 1 by design.
function timedRun(cmd: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; input?: Buffer | string | undefined; handshake?: boolean | undefined }): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'ignore'] });
    let ms: number | undefined;
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (!options.handshake || ms !== undefined) return;
      out += chunk.toString('latin1');
      if (out.endsWith(`${pktLine('version=2\n')}0000`)) {
        ms = Number(process.hrtime.bigint() - start) / 1e6;
        child.stdin.end();
      }
    });
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', () => {
      if (options.handshake && ms === undefined) reject(new Error(`${args.join(' ')}: no handshake reply`));
      else resolve(ms ?? Number(process.hrtime.bigint() - start) / 1e6);
    });
    if (options.handshake) child.stdin.write(`${pktLine('git-filter-client\n')}${pktLine('version=2\n')}0000`);
    else child.stdin.end(options.input ?? '');
  });
}

// A repository of two LFS files, both objects in the local store and the bucket: data/a.bin
// hydrated, data/b.bin a pointer.
async function makeRepository(bench: BenchEnv, s3: FixedContext['s3']): Promise<string> {
  const repo = join(bench.root, 'fixed');
  await bench.git(['init', '-q', repo]);
  await bench.cli(['install', '--url', `s3://${s3.bucket}/fixed`, '--endpoint', s3.endpoint, '--region', 'us-east-1'], repo);
  await bench.git(['lfs', 'track', 'data/**'], repo);
  await mkdir(join(repo, 'data'));
  await writeFile(join(repo, 'data', 'a.bin'), randomBytes(64 * 1024));
  await writeFile(join(repo, 'data', 'b.bin'), randomBytes(64 * 1024));
  await bench.git(['add', '.'], repo);
  await bench.git(['commit', '-q', '-m', 'fixed'], repo);
  // dehydrate makes pointers only of content the bucket has: pushed first.
  const remote = join(bench.root, 'fixed.git');
  await bench.git(['init', '-q', '--bare', remote]);
  await bench.git(['push', '-q', remote, 'HEAD'], repo);
  await bench.cli(['dehydrate', 'data/b.bin'], repo);
  return repo;
}

// The git processes one run of `command` starts, as they were started.
async function recordGit(bench: BenchEnv, repo: string, env: NodeJS.ProcessEnv, command: Command): Promise<GitRun[]> {
  const shim = join(bench.root, 'fixed-git-shim');
  const logDir = join(bench.root, 'fixed-git-log');
  await rm(logDir, { recursive: true, force: true });
  await mkdir(logDir, { recursive: true });
  await mkdir(shim, { recursive: true });
  await writeFile(join(shim, 'git'), RECORDING_GIT);
  await chmod(join(shim, 'git'), 0o755);
  const realGit = (await exec('bash', ['-c', 'command -v git'], { env })).stdout.trim();
  const recording = { ...env, PATH: `${shim}:${env['PATH'] ?? ''}`, FIXED_GIT_LOG: logDir, FIXED_REAL_GIT: realGit };
  await timedRun(process.execPath, [CLI, ...command.args], { cwd: repo, env: recording, input: command.input, handshake: command.handshake });
  // tee may still be copying the last stdin out when the command has exited.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const runs: GitRun[] = [];
  for (const name of (await readdir(logDir)).sort()) {
    const dir = join(logDir, name);
    const args = (await readFile(join(dir, 'args'), 'utf8')).split('\0').slice(0, -1);
    const gitEnv = Object.fromEntries((await readFile(join(dir, 'env'), 'utf8')).split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    // A throw-away index (fingerprint's read-tree) is gone by now: the replay gets one of its own.
    if (gitEnv['GIT_INDEX_FILE'] !== undefined) gitEnv['GIT_INDEX_FILE'] = join(bench.root, 'fixed-replay-index');
    let stdin = Buffer.alloc(0);
    try {
      stdin = await readFile(join(dir, 'stdin'));
    } catch {
      // nothing was written to it
    }
    runs.push({ args, cwd: (await readFile(join(dir, 'cwd'), 'utf8')).trim(), env: { ...env, ...gitEnv }, stdin });
  }
  return runs;
}

const describeGit = (run: GitRun): string => {
  const text = `git ${run.args.join(' ')}`;
  return text.length > 70 ? `${text.slice(0, 67)}…` : text;
};

export async function benchFixed({ bench, s3, quick, rows, log }: FixedContext): Promise<void> {
  log('fixed cost of each command vs node -e 0 + its own git commands');
  const repo = await makeRepository(bench, s3);
  // What a user's run has: no peak-memory report at exit (the bench's own instrument).
  const env = { ...bench.env };
  delete env['LFS_LAZY_BENCH_RSS_FILE'];
  const gitRuns = new Map<Command, GitRun[]>();
  for (const command of COMMANDS) gitRuns.set(command, await recordGit(bench, repo, env, command));

  const replay = join(bench.root, 'fixed-replay.cjs');
  await writeFile(replay, REPLAY);
  const replayFiles = new Map<Command, string>();
  for (const [i, command] of COMMANDS.entries()) {
    const file = join(bench.root, `fixed-replay-${i}.json`);
    await writeFile(file, JSON.stringify(gitRuns.get(command)!.map((run) => ({ ...run, stdin: run.stdin.toString('base64') }))));
    replayFiles.set(command, file);
  }

  const n = quick ? 5 : 11;
  const times = new Map<string, number[]>();
  const add = (key: string, ms: number): void => void times.set(key, [...(times.get(key) ?? []), ms]);
  for (let round = 0; round < n; round++) {
    add('node', await timedRun(process.execPath, ['-e', '0'], { cwd: repo, env }));
    for (const command of COMMANDS) {
      add(command.name, await timedRun(process.execPath, [CLI, ...command.args], { cwd: repo, env, input: command.input, handshake: command.handshake }));
      add(`${command.name} replay`, await timedRun(process.execPath, [replay, replayFiles.get(command)!], { cwd: repo, env }));
      for (const [i, run] of gitRuns.get(command)!.entries()) {
        add(`${command.name} git ${i}`, await timedRun('git', run.args, { cwd: run.cwd, env: run.env, input: run.stdin }));
      }
    }
  }
  const node = median(times.get('node')!);
  for (const [i, command] of COMMANDS.entries()) {
    const runs = gitRuns.get(command)!;
    const gitMs = runs.map((_, j) => median(times.get(`${command.name} git ${j}`)!));
    const floor = node + gitMs.reduce((a, b) => a + b, 0);
    const ours = median(times.get(command.name)!);
    const oneProcess = median(times.get(`${command.name} replay`)!);
    rows.push({
      target: `F${i + 1}. fixed cost: ${command.name}`,
      ours,
      baseline: floor,
      baselineName: `\`node -e 0\` + its ${runs.length} git command${runs.length === 1 ? '' : 's'}, each alone`,
      goal: 'ratio ≤ 1.5',
      met: ours <= 1.5 * floor,
      unit: 'ms',
      ratioOf: 'ours/baseline',
      extra: `node -e 0 ${node.toFixed(0)} ms${runs.map((run, j) => `; ${describeGit(run)} ${gitMs[j]!.toFixed(1)} ms`).join('')}; one node process running the same git commands one after another, and nothing else: ${oneProcess.toFixed(0)} ms (${(oneProcess / floor).toFixed(2)} × the floor)`,
    });
  }
}

// Why a row of this group misses (written under the table by run.ts, only for rows that missed).
export const FIXED_REASONS: Array<[RegExp, string]> = [
  [
    /^F\d+\./,
    "F (fixed costs): measured by hand on the same machine (CPU profiles of the bundled CLI, `node --cpu-prof`), what a command pays on top of `node -e 0` and its git runs is mostly node's own: 1–3 ms of CPU in node per git process it starts (fork and exec of a large process, pipes; the first one ≈ 3 ms), the built-in modules it needs and `node -e 0` does not load (child_process with net and the stream modules, ≈ 4 ms; node:crypto only where something is hashed), ≈ 3–4 ms to read its bundle and take V8's code cache of it, and one young-generation GC (≈ 1 ms) in most commands. Each everyday command (status, path, cat, hydrate, dehydrate, fingerprint, filter-process) runs a bundle of its own, holding that command and what it imports, from a code cache the build made by running it (scripts/bundle.mjs, scripts/warm-cli-cache.mjs, src/cli/code-cache.cts): with one bundle of every command, `path` paid ≈ 1–1.5 ms more (the top-level functions of every module, a larger cache), and with the one cache `--help` made, each command compiled its own functions at every run (≈ 5–12 ms). Before issue 13 (the same table, by hand: `path` 179 ms, `hydrate` with nothing to do 302 ms), a command also loaded pino (30 CommonJS modules) whether it logged or not, `hydrate` the AWS SDK whether it fetched or not, and 50–70 ES modules one by one. Now pino, the SDK (its own bundle and cache) and the built-ins `node -e 0` does not load are loaded when first used (a run with nothing to change reads through node:fs, not node:fs/promises: src/util/plain-fs.ts); options are parsed by lfs-lazy's own parser, held to node:util's parseArgs by a differential test (loading and first running node's cost ≈ 0.7 ms); a pointer is trimmed by a loop, not a regex (its first run compiled it, ≈ 0.5 ms); the bundle's import.meta.url is made only when asked for (node's URL parser, ≈ 0.5 ms on first use); and the working tree's .lfslazyconfig is read without a git run when it is plain git-config syntax (src/config/committed-file.ts). A `hydrate` or `dehydrate` of a path already as asked rewrites nothing and takes no lock. `path` and `cat` look their arguments up in the index while git is asked where the repository is; `path --batch` starts that git before it sets up stdin (≈ 2 ms of stream machinery, then beside git), and looks its first request up as soon as it comes. The details give, for each command, one node process that does nothing but run the same git commands one after another: what any node program pays for starting and forking git, against which the rest is lfs-lazy's own code. Tried and dropped (80–100 interleaved runs each): asking git the first two questions from the entry point before the bundle loads (`path` 42.6 → 43.1 ms, `status` 44.0 → 45.1 ms: each fork of node costs the main thread 1–2 ms); starting `path --batch`'s `git cat-file` before its first request has come (no change); a larger young generation (`--min-semi-space-size`: no GC, but ≈ 6 ms slower to start); a bundle without its whitespace (no change).",
  ],
];
