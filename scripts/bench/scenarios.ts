// The data sets and repositories the benchmarks run on, made once per `npm run bench`.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import type { BenchEnv } from './harness.js';

export interface Dataset {
  repo: string;
  remote: string;
  oids: string[];
  files: string[];
}

// A repository with lfs-lazy installed (its objects under s3://<bucket>/<name>) tracking data/**,
// and the bare remote it will be pushed to.
async function initOrigin(bench: BenchEnv, name: string, s3: { bucket: string; endpoint: string }): Promise<{ repo: string; remote: string }> {
  const repo = join(bench.root, `${name}-origin`);
  const remote = join(bench.root, `${name}.git`);
  await bench.git(['init', '-q', '--bare', remote]);
  await bench.git(['init', '-q', repo]);
  await bench.cli(['install', '--url', `s3://${s3.bucket}/${name}`, '--endpoint', s3.endpoint, '--region', 'us-east-1'], repo);
  await bench.git(['lfs', 'track', 'data/**'], repo);
  return { repo, remote };
}

// A repository of `count` LFS files of `size` bytes under data/, pushed through lfs-lazy's agent.
export async function makeDataset(bench: BenchEnv, name: string, count: number, size: number, s3: { bucket: string; endpoint: string }): Promise<Dataset & { pushMs: number }> {
  const { repo, remote } = await initOrigin(bench, name, s3);
  const oids: string[] = [];
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(repo, 'data', `d${String(i % 50).padStart(2, '0')}`);
    await mkdir(dir, { recursive: true });
    const content = randomBytes(size);
    const path = join(dir, `f${String(i).padStart(5, '0')}.bin`);
    await writeFile(path, content);
    oids.push(createHash('sha256').update(content).digest('hex'));
    files.push(path.slice(repo.length + 1));
  }
  await bench.git(['add', '.'], repo);
  await bench.git(['commit', '-q', '-m', name], repo);
  await bench.git(['remote', 'add', 'origin', remote], repo);
  const start = process.hrtime.bigint();
  await bench.git(['push', '-q', 'origin', 'main'], repo);
  const pushMs = Number(process.hrtime.bigint() - start) / 1e6;
  return { repo, remote, oids, files, pushMs };
}

// A file of random bytes written in 4 MiB blocks, returning its oid.
export async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  const block = 4 * 1024 * 1024;
  for (let written = 0; written < size; written += block) {
    const chunk = randomBytes(Math.min(block, size - written));
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return hash.digest('hex');
}

// A repository of `count` tiny LFS files under data/ (same layout as makeDataset), made without a
// filter: the pointer files are written and committed as they are, the objects put into the bucket
// directly (16 at a time), and the commit pushed without git-lfs's pre-push upload. For the clone
// rows, which read no object: thousands of files through clean and the agent would take minutes.
export async function makePointerDataset(bench: BenchEnv, name: string, count: number, s3: { bucket: string; endpoint: string }, put: (key: string, body: Buffer) => Promise<void>): Promise<Dataset> {
  const { repo, remote } = await initOrigin(bench, name, s3);
  const oids: string[] = [];
  const files: string[] = [];
  const contents: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(repo, 'data', `d${String(i % 50).padStart(2, '0')}`);
    if (i < 50) await mkdir(dir, { recursive: true });
    const content = randomBytes(16);
    const oid = createHash('sha256').update(content).digest('hex');
    const path = join(dir, `f${String(i).padStart(5, '0')}.bin`);
    await writeFile(path, `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${content.length}\n`);
    oids.push(oid);
    files.push(path.slice(repo.length + 1));
    contents.push(content);
  }
  const blobs = (await bench.git(['hash-object', '-w', '--no-filters', '--stdin-paths'], repo, {}, files.join('\n'))).stdout.trim().split('\n');
  await bench.git(['update-index', '--add', '--index-info'], repo, {}, files.map((f, i) => `100644 ${blobs[i]}\t${f}\n`).join(''));
  await bench.git(['add', '--', '.', ':!data'], repo);
  await bench.git(['commit', '-q', '-m', name], repo);
  await bench.git(['remote', 'add', 'origin', remote], repo);
  await bench.git(['push', '-q', '--no-verify', 'origin', 'main'], repo);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) await put(`${name}/${oids[i]!.slice(0, 2)}/${oids[i]!.slice(2, 4)}/${oids[i]}`, contents[i]!);
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return { repo, remote, oids, files };
}
