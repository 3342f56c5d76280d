// `lfs-lazy doctor` names the cause of each set-up problem with its own fix, and never tells the
// user to run doctor.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';

// A port nothing listens on: bound, then closed.
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('lfs-lazy doctor', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let clone: string;
  before(async () => {
    fx = await makeLfsFixture({ files: [{ path: 'data/a.bin', content: fileContent(1, 5000) }] });
    clone = await fx.clone('clone');
  });
  after(() => fx?.cleanup());

  const doctor = async (cwd: string, env: NodeJS.ProcessEnv = {}) => {
    const result = await fx.box.cli(['doctor'], { cwd, env: { LFS_LAZY_MAX_ATTEMPTS: '1', ...env }, allowFail: true });
    assert.doesNotMatch(result.stdout + result.stderr, /lfs-lazy doctor/, 'doctor tells the user to run doctor');
    return result;
  };
  const line = (stdout: string, name: string): string => stdout.split('\n').find((l) => l.slice(5).startsWith(name)) ?? '';
  const fixOf = (stdout: string, name: string): string => {
    const lines = stdout.split('\n');
    const at = lines.findIndex((l) => l.slice(5).startsWith(name));
    return lines[at + 1]?.trim() ?? '';
  };

  it('a working set-up: every check ok, exit 0', async () => {
    const result = await doctor(clone);
    assert.equal(result.code, 0, result.stdout);
    assert.match(line(result.stdout, 'node'), /^ok {3}node +node v\d+\.\d+\.\d+(; supported until the AWS SDK's releases of January 2027, which need Node 22)?$/);
    for (const name of ['node', 'git', 'git-lfs', 'repository', 'install', 'push hook', 'lfs patterns', 'large files', 'config', 'credentials', 'bucket', 'probe']) {
      assert.match(line(result.stdout, name), /^ok {3}/, `${name}:\n${result.stdout}`);
    }
  });

  it('warns of a repository without LFS patterns and of large files committed to git itself', async () => {
    const repo = join(fx.box.root, 'no-lfs');
    await fx.box.git(['init', '-q', repo]);
    await writeFile(join(repo, 'big.bin'), fileContent(2, 2 * 1024 * 1024));
    await fx.box.git(['add', 'big.bin'], { cwd: repo });
    const result = await doctor(repo, { LFS_LAZY_URL: `s3://${fx.server.bucket}/doctor`, LFS_LAZY_ENDPOINT: fx.server.endpoint });
    assert.match(line(result.stdout, 'lfs patterns'), /^warn lfs patterns +no \.gitattributes names filter=lfs/);
    assert.match(fixOf(result.stdout, 'lfs patterns'), /^fix: git lfs track/);
    assert.match(line(result.stdout, 'large files'), /^warn large files +1 file over 1\.0 MiB is in git, not LFS: big\.bin \(2\.0 MiB\)$/);
    assert.equal(result.code, 0, `a warning is not a failure:\n${result.stdout}`);
  });

  it("a pre-push hook that is missing fails, one calling only git-lfs warns; install mends both", async () => {
    const repo = await fx.clone('hooks');
    const hook = join(repo, '.git', 'hooks', 'pre-push');
    await rm(hook);
    let result = await doctor(repo);
    assert.match(line(result.stdout, 'push hook'), /^FAIL push hook +.*pre-push is missing or never calls git-lfs: git push uploads no LFS object$/);
    assert.match(fixOf(result.stdout, 'push hook'), /^fix: run lfs-lazy install --local here/);
    assert.notEqual(result.code, 0);
    await writeFile(hook, '#!/bin/sh\n./lint.sh\ngit lfs pre-push "$@"\n');
    result = await doctor(repo);
    assert.match(line(result.stdout, 'push hook'), /^warn push hook +.*calls git lfs pre-push, not lfs-lazy's/);
    assert.equal(result.code, 0, result.stdout);
    await rm(hook);
    await fx.box.cli(['install', '--local'], { cwd: repo });
    assert.match(line((await doctor(repo)).stdout, 'push hook'), /^ok {3}push hook/);
  });

  it('a bucket that does not exist: create it or correct the URL', async () => {
    const result = await doctor(clone, { LFS_LAZY_URL: 's3://no-such-bucket/x' });
    assert.equal(result.code, 1);
    assert.match(line(result.stdout, 'bucket'), /^FAIL bucket +bucket "no-such-bucket" does not exist/);
    assert.match(fixOf(result.stdout, 'bucket'), /^fix: create the bucket at http:\/\/127\.0\.0\.1:\d+, or correct lfs-lazy\.url/);
  });

  it('nothing listening at the endpoint: start the server or correct the endpoint', async () => {
    const result = await doctor(clone, { LFS_LAZY_ENDPOINT: `http://127.0.0.1:${await closedPort()}` });
    assert.equal(result.code, 1);
    assert.match(line(result.stdout, 'bucket'), /^FAIL bucket .*connection refused/);
    assert.match(fixOf(result.stdout, 'bucket'), /^fix: nothing answers at http:\/\/127\.0\.0\.1:\d+: start the server, or correct lfs-lazy\.endpoint/);
  });

  it('no credentials at all: the credentials check fails and says where to put them', async () => {
    const none = join(fx.box.root, 'none');
    const result = await doctor(clone, {
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      AWS_PROFILE: '',
      AWS_SHARED_CREDENTIALS_FILE: none,
      AWS_CONFIG_FILE: none,
      // No instance metadata on this machine: the chain must not wait for it (nor leave loopback).
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    assert.equal(result.code, 1);
    assert.match(line(result.stdout, 'credentials'), /^FAIL credentials .*no AWS credentials were found/);
    assert.match(fixOf(result.stdout, 'credentials'), /^fix: give this machine credentials: AWS_PROFILE/);
  });

  it('outside a repository: says to change to the repository, not to run doctor', async () => {
    const result = await doctor(fx.box.root);
    assert.equal(result.code, 1);
    assert.match(line(result.stdout, 'repository'), /^FAIL repository/);
    assert.match(fixOf(result.stdout, 'repository'), /^fix: change to the repository's directory/);
  });
});
