// `npm run bench`, group `clone` (issue 13): the lazy clone of many pointer files against git-lfs's
// skip-smudge clone. Tiny objects, so that the data set is quick to make; the clone itself
// fetches none of them either way, so only the number of files counts.
import { open, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GIT_LFS_FILTER, interleaved, timed, type BenchEnv } from './harness.js';
import type { Row } from './report.js';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { rawClient } from './raw-sdk.js';
import { makePointerDataset } from './scenarios.js';

export interface CloneContext {
  bench: BenchEnv;
  s3: { bucket: string; endpoint: string };
  quick: boolean;
  rows: Row[];
  log(text: string): void;
}

const POINTER_START = Buffer.from('version https://git-lfs.github.com/spec/v1\n');

// Every file of the data set is in the clone, and is its pointer: a clone that skipped the
// checkout, or fetched content, would not pass for a lazy one.
async function checkPointers(clone: string, files: string[]): Promise<void> {
  const head = Buffer.alloc(POINTER_START.length);
  for (const file of files) {
    const handle = await open(join(clone, file), 'r');
    try {
      const { bytesRead } = await handle.read(head, 0, head.length, 0);
      if (bytesRead !== head.length || !head.equals(POINTER_START)) throw new Error(`${clone}: ${file} is not a pointer file after the clone`);
    } finally {
      await handle.close();
    }
  }
  const dirs = await readdir(join(clone, 'data'));
  if (dirs.length === 0) throw new Error(`${clone}: no data/ after the clone`);
}

export async function benchClone({ bench, s3, quick, rows, log }: CloneContext): Promise<void> {
  const count = quick ? 2000 : 20_000;
  log(`lazy clone of ${count} pointer files: making and pushing the repository`);
  const made = process.hrtime.bigint();
  const client = rawClient(s3.endpoint);
  const ds = await makePointerDataset(bench, `pointers${count}`, count, s3, async (key, body) => {
    await client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: body }));
  });
  client.destroy();
  log(`made in ${(Number(process.hrtime.bigint() - made) / 1e9).toFixed(0)} s`);
  const target = join(bench.root, 'clone-many');
  const fresh = () => rm(target, { recursive: true, force: true });
  const check = (ms: number) => checkPointers(target, ds.files).then(() => ms);
  const t = await interleaved(quick ? 2 : 3, {
    lazy: { prepare: fresh, run: async () => check(await timed(() => bench.git(['clone', '-q', ds.remote, target]))) },
    skip: { prepare: fresh, run: async () => check(await timed(() => bench.git([...GIT_LFS_FILTER, 'clone', '-q', ds.remote, target], bench.root, { GIT_LFS_SKIP_SMUDGE: '1' }))) },
  });
  rows.push({ target: `2c. lazy clone, ${count.toLocaleString('en')} pointer files`, ours: t.lazy, baseline: t.skip, baselineName: 'git-lfs filter with `GIT_LFS_SKIP_SMUDGE=1`', goal: 'ratio ≤ 1.2', met: t.lazy <= 1.2 * t.skip, unit: 'ms', ratioOf: 'ours/baseline' });
  await fresh();
  await rm(ds.repo, { recursive: true, force: true });
}
