// Label-map merge and diff at 1,000,000 and 20,000,000 entries: time and peak RSS, the throughput
// of each reading stage alone, inputs out of key order, and where `git merge-file` stands. Written
// into docs/benchmarks.md between `<!-- labelmap:start -->` and `<!-- labelmap:end -->` (the rest
// of that file belongs to `npm run bench`). Each measurement runs in a fresh node process (this
// script with --worker), so its peak RSS (getrusage ru_maxrss) is its own. The maps are generated
// in a temporary directory (3.3 GB at 20 M entries) and removed afterwards.
//
//   npx tsc -p . && node dist/scripts/bench/labelmap.js [--entries 1000000,20000000] [--repeat N] [--no-write]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mergeLabelMaps } from '../../src/labelmap/merge.js';
import { diffLabelMaps } from '../../src/labelmap/diff.js';
import { LocalObjectStore } from '../../src/local/local-object-store.js';
import { encodePointer } from '../../src/protocol/pointer.js';
import { main as cliMain } from '../../src/cli/run.js';
import { canonicalDigest } from '../../src/labelmap/canonical-digest.js';
import { LabelCounts } from '../../src/labelmap/label-counts.js';
import { MapWriter } from '../../src/labelmap/map-writer.js';
import { StreamCursor, type MemberCursor } from '../../src/labelmap/member-cursor.js';
import { Utf8Check } from '../../src/labelmap/utf8-check.js';

const SELF = fileURLToPath(import.meta.url);
const DOC = fileURLToPath(new URL('../../../docs/benchmarks.md', import.meta.url));
const START = '<!-- labelmap:start -->';
const END = '<!-- labelmap:end -->';
const LABELS = ['speech', 'music', 'noise', 'silence', 'laughter', 'applause'];

type Mutate = (i: number, value: string | undefined) => string | undefined;

// The shape of scripts/lib/label-map.ts; entries past `n` exist only if `mutate` adds them. With
// `shuffled`, the entries are written in a scrambled order (a fixed permutation), not key order.
async function writeMap(path: string, n: number, mutate: Mutate = (_i, v) => v, shuffled = false): Promise<number> {
  const out = createWriteStream(path);
  let buffer = '{\n';
  let first = true;
  let bytes = 0;
  const total = n + 100;
  // Keys as wide as the largest one (clip_0000001 at a million, clip_00000001 at 20 million), so
  // that the maps are in key order, as generated maps usually are.
  const width = Math.max(7, String(total).length);
  // 7919 is prime and divides no total used here, so this visits every index once.
  const at = (k: number): number => (shuffled ? (((k - 1) * 7919) % total) + 1 : k);
  for (let k = 1; k <= total; k++) {
    const i = at(k);
    const base = i <= n ? `{"label": "${LABELS[(i * 7 + 1) % 6]}", "speaker": ${(i * 31 + 17) % 500}}` : undefined;
    const value = mutate(i, base);
    if (value === undefined) continue;
    buffer += `${first ? '' : ',\n'}  "clip_${String(i).padStart(width, '0')}": ${value}`;
    first = false;
    if (buffer.length > 1 << 16) {
      bytes += Buffer.byteLength(buffer);
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  buffer += '\n}\n';
  bytes += Buffer.byteLength(buffer);
  out.end(buffer);
  await once(out, 'finish');
  return bytes;
}

// ours relabels every 1000th key and deletes every 997th; theirs relabels the 500th of every
// thousand and adds 10 keys — one key (both edited it / one deleted it) conflicts, as in real life.
function variants(n: number): { ours: Mutate; theirs: Mutate; describe: string } {
  return {
    ours: (i, v) => (i % 1000 === 0 ? '{"label": "music", "speaker": 1}' : i % 997 === 0 ? undefined : i > n && i <= n + 10 ? '"new-ours"' : v),
    theirs: (i, v) => (i % 1000 === 500 ? '{"label": "noise", "speaker": 2}' : i > n + 10 && i <= n + 20 ? '"new-theirs"' : v),
    describe:
      `ours relabels every 1000th key, deletes every 997th and adds 10; theirs relabels ${Math.floor(n / 1000)} other keys ` +
      'and adds 10 — so each side changes ~0.2 % of the map',
  };
}

const input = (path: string) => () => createReadStream(path, { highWaterMark: 1 << 16 });

// Walks every member of a file through `visit`; returns the bytes read.
async function walkFile(path: string, visit: (c: MemberCursor) => void | Promise<void>): Promise<number> {
  const cursor = new StreamCursor('base', createReadStream(path, { highWaterMark: 1 << 16 }), false);
  for (;;) {
    const pending = cursor.next();
    if (pending) await pending;
    if (cursor.done) break;
    const visited = visit(cursor);
    if (visited) await visited;
  }
  return (await stat(path)).size;
}

// Each stage of reading alone, in MB/s of the input (`base.json`): read, + UTF-8 check, + scan;
// then the scan with one more step each, so the difference from the scan row is what that step costs.
async function stages(path: string): Promise<Record<string, number>> {
  const size = (await stat(path)).size;
  const rate = (ms: number): number => size / 1e6 / (ms / 1000);
  const timed = async (run: () => Promise<unknown>): Promise<number> => {
    const started = performance.now();
    await run();
    return rate(performance.now() - started);
  };
  const digests = new Uint32Array(2);
  const labels = new LabelCounts('label');
  const sink = new Sink();
  const writer = new MapWriter(sink);
  return {
    read: await timed(async () => {
      for await (const _chunk of createReadStream(path, { highWaterMark: 1 << 16 }));
    }),
    'read + UTF-8 check': await timed(async () => {
      const check = new Utf8Check();
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) check.push(chunk as Buffer);
      check.end();
    }),
    'read + UTF-8 check + scan (members delimited and validated, key order checked)': await timed(() => walkFile(path, () => {})),
    '… + canonical digest of every value': await timed(() => walkFile(path, (c) => canonicalDigest(c.buf, c.rawStart, c.rawEnd, digests, 0))),
    '… + label of every value counted (the diff)': await timed(() => walkFile(path, (c) => labels.add(c.buf, c.rawStart, c.rawEnd, 1, 0))),
    '… + every member written out (the merge)': await timed(async () => {
      await walkFile(path, (c) => {
        writer.add(c.buf, c.rawKeyStart, c.rawKeyEnd, c.buf, c.rawStart, c.rawEnd);
        if (writer.full) return writer.flush();
      });
      await writer.flush(true);
    }),
  };
}

class Sink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.bytes += chunk.length;
    callback();
  }
}

// One measurement, in this process; prints {ms, maxRssMiB, ...} as JSON.
async function worker(op: string, dir: string): Promise<void> {
  const f = (name: string) => join(dir, name);
  const started = performance.now();
  const extra: Record<string, unknown> = {};
  switch (op) {
    case 'idle':
      break;
    case 'stages':
      extra['stages'] = await stages(f('base.json'));
      break;
    case 'merge':
    case 'merge-unsorted': {
      const name = (side: string): string => f(op === 'merge' ? `${side}.json` : `${side}-shuffled.json`);
      const out = createWriteStream(f('merged.json'));
      const result = await mergeLabelMaps({ base: input(name('base')), ours: input(name('ours')), theirs: input(name('theirs')) }, out, { strategy: 'theirs', tempDir: dir });
      out.end();
      await once(out, 'finish');
      extra['conflicts'] = result.conflicts.length;
      extra['resultKeys'] = result.stats.resultKeys;
      break;
    }
    case 'merge-driver': {
      // The real command git runs, in a repository whose local store holds the three objects.
      const stderr = new PassThrough();
      let message = '';
      stderr.on('data', (d: Buffer) => (message += d.toString()));
      // git hands the driver a fresh %A each time; the driver writes the result's pointer into it.
      await writeFile(f('A'), await readFile(f('A.orig')));
      const code = await cliMain(['merge-driver', '--strategy', 'theirs', f('O'), f('A'), f('B'), 'labels.json'], {
        stdin: new PassThrough(),
        stdout: new PassThrough(),
        stderr,
        cwd: f('repo'),
        env: process.env,
      });
      await new Promise((resolve) => setImmediate(resolve));
      if (code !== 0) throw new Error(`merge-driver exited ${code}: ${message}`);
      extra['message'] = message.trim();
      break;
    }
    case 'diff': {
      const diff = await diffLabelMaps(input(f('base.json')), input(f('ours.json')));
      extra['changed'] = diff.changed;
      extra['added'] = diff.added;
      extra['removed'] = diff.removed;
      break;
    }
    case 'naive-merge': {
      // For comparison: what "just JSON.parse it" costs — three parsed copies in memory.
      const [base, ours, theirs] = await Promise.all(['base.json', 'ours.json', 'theirs.json'].map(async (n) => JSON.parse(await readFile(f(n), 'utf8')) as Record<string, unknown>));
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      const merged: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(ours!)) {
        const b = base![k];
        const t = theirs![k];
        if (b !== undefined && t === undefined) continue;
        merged[k] = b !== undefined && same(v, b) ? t : v;
      }
      for (const [k, t] of Object.entries(theirs!)) if (!(k in ours!) && !(k in base!)) merged[k] = t;
      const sink = new Sink();
      sink.end(JSON.stringify(merged, null, 2));
      await once(sink, 'finish');
      extra['resultKeys'] = Object.keys(merged).length;
      break;
    }
    case 'git-merge-file': {
      // git's own three-way text merge, for comparison (its diff engine refuses inputs over 1 GB).
      const timed = await runTimed(['git', 'merge-file', '-p', f('ours.json'), f('base.json'), f('theirs.json')]);
      extra['outcome'] = timed.outcome;
      if (timed.maxRssMiB !== undefined) extra['gitMaxRssMiB'] = timed.maxRssMiB;
      break;
    }
    default:
      throw new Error(`unknown worker op ${op}`);
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, maxRssMiB: process.resourceUsage().maxRSS / 1024, ...extra }) + '\n');
}

function runWorker(op: string, dir: string): Promise<{ ms: number; maxRssMiB: number; [key: string]: unknown }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SELF, '--worker', op, '--dir', dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker ${op} exited ${code}`))));
  });
}

// Runs a command with its output discarded; its peak RSS through /usr/bin/time when there is one.
async function runTimed(command: string[]): Promise<{ outcome: string; maxRssMiB?: number }> {
  let hasTime = true;
  try {
    await stat('/usr/bin/time');
  } catch {
    hasTime = false;
  }
  const argv = hasTime ? ['/usr/bin/time', '-f', 'maxrss=%M', ...command] : command;
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /maxrss=(\d+)/.exec(stderr);
      const message = stderr.replace(/maxrss=\d+\s*/, '').replace(/Command exited with non-zero status \d+\s*/, '').trim();
      const outcome = code === 0 ? 'merged' : code !== null && code > 0 && code < 128 && message === '' ? `merged with ${code} conflict${code === 1 ? '' : 's'}` : `refused: "${message.split('\n')[0]}" (exit ${code})`;
      resolve({ outcome, ...(rss && { maxRssMiB: Number(rss[1]) / 1024 }) });
    });
  });
}

function git(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${args.join(' ')} exited ${code}`))));
  });
}

async function prepareDriver(dir: string): Promise<void> {
  const repo = join(dir, 'repo');
  await mkdir(repo);
  await git(['init', '-q'], repo);
  const store = new LocalObjectStore(join(repo, '.git', 'lfs', 'objects'), join(repo, '.git', 'lfs', 'tmp'));
  for (const [name, temp] of [['base.json', 'O'], ['ours.json', 'A'], ['theirs.json', 'B']] as const) {
    const { oid, size } = await store.ingest(createReadStream(join(dir, name)));
    await writeFile(join(dir, temp), encodePointer({ oid, size, extensions: [] }));
    if (temp === 'A') await writeFile(join(dir, 'A.orig'), encodePointer({ oid, size, extensions: [] }));
  }
}

const mib = (x: number): string => `${x.toFixed(0)} MiB`;
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const mbps = (x: number): string => `${x.toFixed(0)} MB/s`;

interface Row {
  name: string;
  what: string;
  ms: number;
  rss: number;
  note: string;
}

// The table and notes for one size, measured in `dir`.
async function benchSize(n: number, repeat: number, dir: string): Promise<string[]> {
  const v = variants(n);
  const sizes = {
    base: await writeMap(join(dir, 'base.json'), n),
    ours: await writeMap(join(dir, 'ours.json'), n, v.ours),
    theirs: await writeMap(join(dir, 'theirs.json'), n, v.theirs),
  };
  await prepareDriver(dir);
  const rows: Row[] = [];
  const measure = async (op: string, name: string, what: string, note: (r: Record<string, unknown>) => string, times = repeat): Promise<Record<string, unknown>> => {
    const runs = [];
    for (let i = 0; i < times; i++) runs.push(await runWorker(op, dir));
    runs.sort((a, b) => a.ms - b.ms);
    const median = runs[Math.floor(runs.length / 2)]!;
    const rss = Math.max(...runs.map((r) => r.maxRssMiB));
    rows.push({ name, what, ms: median.ms, rss, note: note(median) });
    process.stderr.write(`${n} ${name}: ${secs(median.ms)}, peak RSS ${mib(rss)} ${JSON.stringify(median)}\n`);
    return median;
  };
  await measure('idle', 'node process, modules loaded, nothing done', 'baseline', () => 'what any command starts from');
  await measure('merge', 'three-way merge (`mergeLabelMaps`)', 'library', (r) => `${r['resultKeys']} keys out, ${r['conflicts']} conflict(s) resolved by --strategy theirs`);
  await measure('merge-driver', '`lfs-lazy merge-driver` (as git runs it)', 'CLI', () => 'pointers in, objects from the local store, result hashed into the store and its pointer written');
  await measure('diff', 'diff base → ours (`diffLabelMaps`)', 'library', (r) => `${r['changed']} changed, ${r['added']} added, ${r['removed']} removed`);
  await rm(join(dir, 'repo'), { recursive: true, force: true });

  // The same three maps written out of key order.
  await writeMap(join(dir, 'base-shuffled.json'), n, undefined, true);
  await writeMap(join(dir, 'ours-shuffled.json'), n, v.ours, true);
  await writeMap(join(dir, 'theirs-shuffled.json'), n, v.theirs, true);
  await measure(
    'merge-unsorted',
    'three-way merge, all three inputs out of key order',
    'library',
    (r) => `${r['resultKeys']} keys out; base and theirs sorted first (in memory up to 128 MiB each, then in runs on disk), ours streamed as it is`,
    1,
  );
  for (const side of ['base', 'ours', 'theirs']) await rm(join(dir, `${side}-shuffled.json`));

  await measure('git-merge-file', 'for comparison: `git merge-file` (text merge)', 'git', (r) => `${r['outcome']}${r['gitMaxRssMiB'] ? `; git's own peak RSS ${mib(r['gitMaxRssMiB'] as number)}` : ''}`, 1);
  if (n <= 2_000_000) {
    await measure('naive-merge', 'for comparison: `JSON.parse` all three + object merge', 'naive', (r) => `${r['resultKeys']} keys; not what lfs-lazy does`);
  }
  const stageRates = (await runWorker('stages', dir))['stages'] as Record<string, number>;

  const size = (await stat(join(dir, 'base.json'))).size;
  const lines = [
    `### ${n.toLocaleString('en-US')} entries`,
    '',
    `Inputs: three label maps of ${n.toLocaleString('en-US')} entries of the usual shape (\`"clip_0000001": {"label": "speech", "speaker": 17}\`), ` +
      `${(size / 1e6).toFixed(0)} MB each (base ${sizes.base}, ours ${sizes.ours}, theirs ${sizes.theirs} bytes), in key order unless a row says otherwise; ${v.describe}. ` +
      `Each row is the median time of ${repeat} run${repeat === 1 ? '' : 's'} (the out-of-order merge, git and the stages: 1), each in a fresh node process; peak RSS is the highest of them.`,
    '',
    '| operation | kind | time | peak RSS | notes |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.name} | ${r.what} | ${secs(r.ms)} | ${r.what === 'git' ? '—' : mib(r.rss)} | ${r.note} |`),
  ];
  if (n > 2_000_000) lines.push(`| for comparison: \`JSON.parse\` | naive | — | — | not possible: V8 cannot hold a string of ${(size / 1e6).toFixed(0)} MB (its limit is 512 MiB) |`);
  lines.push('', 'Reading stages alone (base, one pass each): reading, then the UTF-8 check on top of it, then the scan on top of both; the last three rows each add one more step to the scan:', '', '| stage | throughput |', '| --- | --- |');
  for (const [stage, rate] of Object.entries(stageRates)) lines.push(`| ${stage} | ${mbps(rate)} |`);
  lines.push('');
  for (const name of ['base.json', 'ours.json', 'theirs.json', 'merged.json', 'O', 'A', 'A.orig', 'B']) await rm(join(dir, name), { force: true });
  return lines;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { worker: { type: 'string' }, dir: { type: 'string' }, entries: { type: 'string' }, 'no-write': { type: 'boolean' }, repeat: { type: 'string' } },
  });
  if (values.worker) return worker(values.worker, values.dir!);

  const counts = (values.entries ?? '1000000').split(',').map(Number);
  const load = loadavg()[0]!;
  const sections: string[] = [];
  for (const n of counts) {
    const dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-bench-labelmap-'));
    try {
      sections.push(...(await benchSize(n, Number(values.repeat ?? (n > 2_000_000 ? 1 : 3)), dir)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const lines = [
    START,
    '## Label maps: key-level merge and diff',
    '',
    `Generated by \`node dist/scripts/bench/labelmap.js --entries ${counts.join(',')}\` (scripts/bench/labelmap.ts) on ${new Date().toISOString().slice(0, 10)}.`,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, ${process.platform} ${process.arch}, node ${process.version}; ` +
      `load average ${load.toFixed(1)} when it started (a shared machine: times vary by ±30 %).`,
    '',
    ...sections,
    'How the merge keeps memory down: base and theirs are walked side by side in key order, keeping only',
    "the keys theirs changed (with their values); ours is streamed straight to the output. The diff walks",
    'its two sides the same way. An input out of key order is sorted first, in memory up to a budget and',
    'in runs on disk beyond it. Nothing ever parses a whole file. See docs/label-maps.md.',
    END,
  ];
  const section = lines.join('\n');
  process.stdout.write(section + '\n');
  if (!values['no-write']) {
    let existing = '';
    try {
      existing = await readFile(DOC, 'utf8');
    } catch {
      existing = '# Benchmarks\n';
    }
    const pattern = /<!-- labelmap:start -->[\s\S]*<!-- labelmap:end -->/;
    const next = pattern.test(existing) ? existing.replace(pattern, () => section) : `${existing.replace(/\n*$/, '\n\n')}${section}\n`;
    await writeFile(DOC, next);
    process.stderr.write(`wrote the label-map section of ${DOC}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`labelmap bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
