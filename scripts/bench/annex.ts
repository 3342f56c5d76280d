// `npm run bench`, group `annex` (issue 13): git-annex as a peer. The same 500 × 256 KiB files,
// added with git-annex and copied to an S3 special remote on the same s3rver endpoint, fetched with
// `git annex get -J8` beside lfs-lazy's hydrate (50 files, all 500), and git-annex's clone beside
// the lazy clone. Every contender starts from a fresh clone with nothing local, and every file it
// fetched is checked against its SHA-256 after the timing, so a row cannot pass for the wrong reason.
import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exec, interleaved, timed, type BenchEnv } from './harness.js';
import type { Row } from './report.js';
import { makeDataset } from './scenarios.js';

export interface AnnexContext {
  bench: BenchEnv;
  s3: { bucket: string; endpoint: string };
  quick: boolean;
  rows: Row[];
  log(text: string): void;
}

const REMOTE = 's3';

// Why a row of this group misses, as far as it was measured (written under the table by run.ts,
// only for the rows that missed).
export const ANNEX_REASONS: Array<[RegExp, string]> = [
  [
    /^8a\./,
    '8a (hydrate of 50 files vs `git annex get`): at 50 files the fixed cost of the command is most of hydrate\'s time — node and its modules, the AWS SDK loaded for the first fetch (≈ 50 ms from its own bundle and code cache, down from ≈ 135 ms from node_modules: scripts/bundle.mjs), the git work of listing and classifying the files and updating the index — where `git annex get` is one compiled binary; the fixed-cost rows of the `fixed` group measure each part.',
  ],
  [
    /^8b\./,
    "8b (hydrate of 500 files vs `git annex get`): per object hydrate pays the GET through lfs-lazy's own S3 client (signed by the SDK's signer, sent without its middleware: ≈ 0.7 ms of CPU a request against ≈ 2 through the SDK's client.send; before that change this row measured 2.79–2.93×), the SHA-256, and two new files plus the shard directories of git-lfs's store layout, whose inodes ext4 must allocate (rows 3b / 4c). git-annex's own per-file cost on the same endpoint is larger.",
  ],
];

// Debian's git-annex, installed the way CI installs git-lfs when it is missing (root, apt).
async function ensureGitAnnex(bench: BenchEnv, log: (text: string) => void): Promise<string> {
  const version = async () => (await exec('git', ['annex', 'version', '--raw'], { env: bench.env })).stdout.trim();
  try {
    return await version();
  } catch {
    log('git-annex is not installed: installing Debian\'s package (apt-get install -y git-annex)');
  }
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await exec('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'git-annex'], { env: aptEnv });
  } catch {
    await exec('apt-get', ['update', '-qq'], { env: aptEnv });
    await exec('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'git-annex'], { env: aptEnv });
  }
  const installed = await version();
  log(`installed git-annex ${installed}`);
  return installed;
}

// The S3 special remote's settings for s3rver: plain HTTP on loopback, path-style requests, v4
// signatures, no encryption; credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
function s3RemoteParams(s3: { bucket: string; endpoint: string }, prefix: string): string[] {
  const url = new URL(s3.endpoint);
  return [`type=S3`, `host=${url.hostname}`, `port=${url.port}`, 'protocol=http', 'requeststyle=path', 'encryption=none', `bucket=${s3.bucket}`, 'signature=v4', 'datacenter=us-east-1', `fileprefix=${prefix}/`];
}

// Every file read (through git-annex's symlinks too) and hashed: the right bytes, not just a file.
async function checkContent(dir: string, files: string[], oids: string[]): Promise<void> {
  for (let i = 0; i < files.length; i++) {
    const bytes = await readFile(join(dir, files[i]!));
    if (createHash('sha256').update(bytes).digest('hex') !== oids[i]) throw new Error(`${dir}: ${files[i]} does not hold its content after the fetch`);
  }
}

export async function benchAnnex({ bench, s3, quick, rows, log }: AnnexContext): Promise<void> {
  const annexVersion = await ensureGitAnnex(bench, log);
  // git-annex refuses private addresses (s3rver is on 127.0.0.1) unless allowed.
  await bench.git(['config', '--global', 'annex.security.allowed-ip-addresses', '127.0.0.1']);
  const count = quick ? 100 : 500;
  const some = quick ? 10 : 50;
  log(`git-annex ${annexVersion}: ${count} × 256 KiB, lfs-lazy's repository and git-annex's`);
  const ds = await makeDataset(bench, 'annex-lfs', count, 256 * 1024, s3);

  // The same files, added with git-annex, copied to the special remote, then pushed (both
  // branches) to a bare repository that holds no content: clones can get it only from S3.
  const origin = join(bench.root, 'annex-origin');
  const bare = join(bench.root, 'annex.git');
  await bench.git(['init', '-q', origin]);
  await bench.git(['annex', 'init', '-q', 'origin'], origin);
  await cp(join(ds.repo, 'data'), join(origin, 'data'), { recursive: true });
  await bench.git(['annex', 'add', '-q', 'data'], origin);
  await bench.git(['commit', '-q', '-m', 'data'], origin);
  await bench.git(['annex', 'initremote', REMOTE, ...s3RemoteParams(s3, 'annex')], origin);
  await bench.git(['annex', 'copy', '-q', '-J8', '--to', REMOTE, 'data'], origin);
  await bench.git(['init', '-q', '--bare', bare]);
  await bench.git(['push', '-q', bare, 'main', 'git-annex'], origin);

  const clones = join(bench.root, 'annex-clones');
  await mkdir(clones, { recursive: true });
  const lazyDir = join(clones, 'lazy');
  const annexDir = join(clones, 'annex');
  const lazyClone = () => bench.git(['clone', '-q', ds.remote, lazyDir]);
  const annexClone = async () => {
    await bench.git(['clone', '-q', bare, annexDir]);
    await bench.git(['annex', 'init', '-q', 'clone'], annexDir);
    await bench.git(['annex', 'enableremote', '-q', REMOTE], annexDir);
  };
  const freshLazy = async () => {
    await rm(lazyDir, { recursive: true, force: true });
    await lazyClone();
  };
  const freshAnnex = async () => {
    await rm(annexDir, { recursive: true, force: true });
    await annexClone();
  };
  const subset = ds.files.slice(0, some);
  const subsetOids = ds.oids.slice(0, some);
  // hydrate writes files; `git annex get` fills its object store behind the symlinks: both read back here.
  const hydrate = (files: string[], oids: string[]) => async () => {
    const ms = await timed(() => bench.cli(['hydrate', ...files], lazyDir));
    await checkContent(lazyDir, files, oids);
    return ms;
  };
  const annexGet = (files: string[], oids: string[]) => async () => {
    const ms = await timed(() => bench.git(['annex', 'get', '-q', '-J8', '--from', REMOTE, ...files], annexDir));
    await checkContent(annexDir, files, oids);
    return ms;
  };

  log(`hydrate vs git annex get (${some} and ${count} files), lazy clone vs git-annex clone`);
  const t = await interleaved(quick ? 2 : 5, {
    hydrateSome: { prepare: freshLazy, run: hydrate(subset, subsetOids) },
    annexSome: { prepare: freshAnnex, run: annexGet(subset, subsetOids) },
    hydrateAll: { prepare: freshLazy, run: hydrate(ds.files, ds.oids) },
    annexAll: { prepare: freshAnnex, run: annexGet(ds.files, ds.oids) },
    lazyClone: { prepare: () => rm(lazyDir, { recursive: true, force: true }), run: () => timed(lazyClone) },
    annexClone: { prepare: () => rm(annexDir, { recursive: true, force: true }), run: () => timed(annexClone) },
  });
  const remote = `git-annex ${annexVersion} (Debian), S3 special remote on the same s3rver endpoint (path-style, v4, no encryption); each run in a fresh clone with nothing local (\`git annex get --from ${REMOTE}\`, so only S3 can serve it); every fetched file hashed afterwards, outside the timing`;
  rows.push({ target: `8a. hydrate ${some} files vs git-annex`, ours: t.hydrateSome, baseline: t.annexSome, baselineName: `\`git annex get -J8\` of the same ${some} files`, goal: 'speed-up ≥ 2', met: t.annexSome >= 2 * t.hydrateSome, unit: 'ms', ratioOf: 'baseline/ours', extra: remote });
  rows.push({ target: `8b. hydrate ${count} files vs git-annex`, ours: t.hydrateAll, baseline: t.annexAll, baselineName: `\`git annex get -J8\` of all ${count} files`, goal: 'speed-up ≥ 3', met: t.annexAll >= 3 * t.hydrateAll, unit: 'ms', ratioOf: 'baseline/ours' });
  rows.push({ target: `8c. lazy clone vs git-annex clone, ${count} files`, ours: t.lazyClone, baseline: t.annexClone, baselineName: '`git clone` + `git annex init` + `git annex enableremote`', goal: 'reported (no goal)', unit: 'ms', ratioOf: 'ours/baseline' });
  await rm(clones, { recursive: true, force: true });
}
