// Installable as users expect: `npm pack` + `npm install -g` of the tarball, and `npm ci` +
// `npm install -g .` in an unbuilt checkout, each give an `lfs-lazy` that installs itself into git
// and pushes. Needs the npm registry (or npm's cache), as CI has.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';
import { startS3rver, testS3Env, type S3rverHandle } from '../helpers/s3rver.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NPM_QUIET = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];
// The sandbox has its own HOME: npm is pointed at this user's cache (which `npm ci` just filled),
// so that the packages come from it rather than the network where they can.
const NPM_CACHE = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
// How this machine reaches the registry, which the sandbox's bare environment would drop: a proxy,
// and the CA of one that inspects TLS (without it each request fails SELF_SIGNED_CERT_IN_CHAIN and
// npm retries until the test's time is up, seen on a machine whose cache lacked a package's metadata).
const REGISTRY_ACCESS = Object.fromEntries(
  ['NODE_EXTRA_CA_CERTS', 'HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'npm_config_registry']
    .filter((name) => process.env[name] !== undefined)
    .map((name) => [name, process.env[name]]),
);

describe('npm install -g', { timeout: 600_000 }, () => {
  let server: S3rverHandle;
  let box: Sandbox;
  before(async () => {
    server = await startS3rver();
    box = await makeSandbox(testS3Env(server.endpoint));
  });
  after(async () => {
    await box?.cleanup();
    await server?.stop();
  });

  const npm = (args: string[], cwd: string) => box.run('npm', [...args, ...NPM_QUIET], { cwd, env: { ...REGISTRY_ACCESS, npm_config_cache: NPM_CACHE }, timeoutMs: 240_000 });

  // The installed command, run as a user would: install into git, then a push whose object lands
  // in the bucket.
  async function installAndPush(bin: string, name: string): Promise<void> {
    const lfsLazy = (args: string[], cwd: string) => box.run(bin, args, { cwd });
    assert.match((await lfsLazy(['--version'], box.root)).stdout, /^lfs-lazy \d+\.\d+\.\d+/);
    const repo = join(box.root, name);
    const remote = join(box.root, `${name}.git`);
    await box.git(['init', '-q', '--bare', remote]);
    await box.git(['init', '-q', repo]);
    await lfsLazy(['install', '--local', '--url', `s3://${server.bucket}/${name}`, '--endpoint', server.endpoint], repo);
    await box.git(['lfs', 'track', '*.bin'], { cwd: repo });
    await writeFile(join(repo, 'a.bin'), Buffer.alloc(20_000, 7));
    await box.git(['add', '.'], { cwd: repo });
    await box.git(['commit', '-q', '-m', 'data'], { cwd: repo });
    await box.git(['remote', 'add', 'origin', remote], { cwd: repo });
    await box.git(['push', '-q', 'origin', 'HEAD'], { cwd: repo });
    const status = await lfsLazy(['status', '--remote'], repo);
    assert.match(status.stdout, /1 in the bucket, 0 not/, status.stdout);
  }

  it('of the packed tarball', async () => {
    const dir = join(box.root, 'tarball');
    await mkdir(dir);
    // dist/ is built (npm test builds first): no prepare here, which would rebuild it under the other tests.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--loglevel=error'], { cwd: ROOT, stdio: 'ignore' });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball);
    const prefix = join(box.root, 'prefix-tarball');
    await npm(['install', '-g', '--prefix', prefix, join(dir, tarball)], box.root);
    await installAndPush(join(prefix, 'bin', 'lfs-lazy'), 'from-tarball');
  });

  it('of an unbuilt checkout (npm ci builds it, then npm install -g .)', async () => {
    const checkout = join(box.root, 'checkout');
    await box.git(['clone', '-q', ROOT, checkout]);
    assert.equal(existsSync(join(checkout, 'dist')), false, 'the checkout comes built');
    await npm(['ci'], checkout);
    const prefix = join(box.root, 'prefix-checkout');
    await npm(['install', '-g', '--prefix', prefix, '.'], checkout);
    await installAndPush(join(prefix, 'bin', 'lfs-lazy'), 'from-checkout');
  });
});
