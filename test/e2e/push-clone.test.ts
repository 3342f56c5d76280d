// Issue 2 end to end: real git + git-lfs + lfs-lazy's agent + s3rver as a child process, in an
// isolated HOME. No part of lfs-lazy is mocked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';
import { startS3rver, testS3Env } from '../helpers/s3rver.js';
import { bucketView, type BucketView } from '../helpers/lfs-fixture.js';
import { writeLabelMap } from '../../scripts/lib/label-map.js';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('git push / git clone through the lfs-lazy agent and s3rver', { timeout: 300_000 }, () => {
  let server: Awaited<ReturnType<typeof startS3rver>>;
  let box: Sandbox;
  let repo: string;
  let remote: string;
  const files = new Map<string, Buffer>();
  let bucket: BucketView;

  before(async () => {
    server = await startS3rver();
    box = await makeSandbox(testS3Env(server.endpoint));
    remote = join(box.root, 'remote.git');
    repo = join(box.root, 'repo');
    await box.git(['init', '-q', '--bare', remote]);
    await box.git(['init', '-q', repo]);
    await box.cli(['install'], { cwd: repo });
    await box.cli(['install', '--url', `s3://${server.bucket}/data`, '--endpoint', server.endpoint, '--region', 'us-east-1'], { cwd: repo });
    await box.git(['lfs', 'track', '*.json'], { cwd: repo });
    const bytes = await writeLabelMap(join(repo, 'labels.json'), 620_000);
    assert.ok(bytes >= 30_000_000, `label map is ${bytes} bytes`);
    await mkdir(join(repo, 'small'));
    for (let i = 0; i < 5; i++) await writeFile(join(repo, 'small', `s${i}.json`), JSON.stringify({ sample: i, text: 'x'.repeat(i * 100) }));
    await writeFile(join(repo, 'small', 'empty.json'), '');
    for (const path of ['labels.json', ...[0, 1, 2, 3, 4].map((i) => `small/s${i}.json`), 'small/empty.json']) {
      files.set(path, await readFile(join(repo, path)));
    }
    await box.git(['add', '.'], { cwd: repo });
    await box.git(['commit', '-q', '-m', 'dataset'], { cwd: repo });
    await box.git(['remote', 'add', 'origin', remote], { cwd: repo });
    await box.git(['push', '-q', 'origin', 'main'], { cwd: repo });
    bucket = bucketView(server.endpoint, server.bucket, 'data', testS3Env(server.endpoint));
  });

  after(async () => {
    bucket?.close();
    await box?.cleanup();
    await server?.stop();
  });

  it('stores every object in the bucket at its key with identical bytes', async () => {
    for (const [path, data] of files) {
      if (data.length === 0) continue; // git-lfs never uploads the empty object
      const stored = await bucket.get(sha256(data));
      assert.ok(stored?.equals(data), `${path}: stored bytes differ (${stored?.length} vs ${data.length})`);
    }
  });

  // With lfs-lazy's filter installed a plain clone is lazy (pointers only); `git lfs pull` then
  // downloads through the agent and checks the files out.
  it('a lazy clone followed by git lfs pull gets identical files and a clean status', async () => {
    const clone = join(box.root, 'clone1');
    await box.git(['clone', '-q', remote, clone]);
    for (const [path, data] of files) {
      const pointer = data.length === 0 ? '' : `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(data)}\nsize ${data.length}\n`;
      assert.equal((await box.git(['cat-file', 'blob', `HEAD:${path}`], { cwd: clone })).stdout, pointer, `${path}: the blob is not its pointer`);
      assert.equal(await readFile(join(clone, path), 'utf8'), pointer, `${path} is not its pointer after clone`);
    }
    await box.git(['lfs', 'pull'], { cwd: clone });
    for (const [path, data] of files) {
      const got = await readFile(join(clone, path));
      assert.ok(got.equals(data), `${path} differs after git lfs pull`);
    }
    const status = await box.git(['status', '--porcelain'], { cwd: clone });
    assert.equal(status.stdout, '');
  });

  it('git lfs push --all uploads nothing that is already in the bucket', async () => {
    const oids = [...files.values()].filter((d) => d.length > 0).map(sha256);
    const before = await Promise.all(oids.map((oid) => bucket.version(oid)));
    const log = join(box.root, 'push-all.log');
    await box.git(['lfs', 'push', '--all', 'origin'], { cwd: repo, env: { LFS_LAZY_LOG_FILE: log, LFS_LAZY_LOG_LEVEL: 'debug' } });
    const afterTimes = await Promise.all(oids.map((oid) => bucket.version(oid)));
    assert.deepEqual(afterTimes, before, 'an object in the bucket was rewritten');
    const lines = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { msg: string; oid?: string });
    const skipped = new Set(lines.filter((l) => /already/.test(l.msg)).map((l) => l.oid));
    for (const oid of oids) assert.ok(skipped.has(oid), `no skip logged for ${oid}`);
  });

  it('git lfs pull of an object deleted from the bucket fails naming the oid', async () => {
    const oid = sha256(files.get('small/s3.json')!);
    const putBack = await bucket.takeAway(oid);
    try {
      const clone = join(box.root, 'clone-missing');
      await box.git(['clone', '-q', remote, clone]);
      const result = await box.git(['lfs', 'pull'], { cwd: clone, allowFail: true });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, new RegExp(`${oid}.*missing from s3://`));
    } finally {
      await putBack();
    }
  });

  it('an unknown access key id makes git lfs pull fail with a message that the credentials were refused', async () => {
    const clone = join(box.root, 'clone-badkey');
    const env = { AWS_ACCESS_KEY_ID: 'UNKNOWNKEYID' };
    await box.git(['clone', '-q', remote, clone], { env });
    const result = await box.git(['lfs', 'pull'], { cwd: clone, allowFail: true, env });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /credentials were refused/);
    assert.doesNotMatch(result.stderr, /S3RVER/, 'a secret leaked into the error');
  });
});
