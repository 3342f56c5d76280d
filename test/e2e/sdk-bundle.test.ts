// The CLI's first fetch loads the AWS SDK from its own bundle (aws-sdk.bundle.cjs, made by
// scripts/bundle.mjs) through V8's code cache of it, never from node_modules: issue 13, the SDK's
// require and first request were ≈ 135 ms of every command that fetches. Real git, git-lfs and
// s3rver; a preload records node's module cache at exit.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RECORD_MODULES_PRELOAD } from '../helpers/record-modules.js';
import { CLI_PATH } from '../helpers/sandbox.js';
import { makeReadFixture, PATHS, runBinary, type ReadFixture } from './lazy-read-fixture.js';

// `cat` runs a bundle of its own (src/cli/code-cache.cts, commandBundle).
const CLI_FILES = ['lfs-lazy.cjs', 'code-cache.cjs', 'lfs-lazy.cat.bundle.cjs', 'aws-sdk.bundle.cjs'];

describe('the AWS SDK of the CLI: its own bundle, from its code cache', () => {
  let rf: ReadFixture;
  let dir: string;

  before(async () => {
    rf = await makeReadFixture();
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-sdk-bundle-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await rf?.fx.cleanup();
  });

  it('a fetch requires nothing of the SDK from node_modules, and gets every byte', async () => {
    const clone = await rf.lazyClone('sdk-from-bundle');
    const preload = join(dir, 'record-modules.cjs');
    const record = join(dir, 'modules.txt');
    await writeFile(preload, RECORD_MODULES_PRELOAD);
    const run = await runBinary(process.execPath, ['--require', preload, CLI_PATH, 'cat', PATHS.labels], { cwd: clone, env: { ...rf.fx.box.env, RECORD_MODULES: record } });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.stdout.equals(rf.file(PATHS.labels).content), 'the bytes of the object');
    const files = (await readFile(record, 'utf8')).split('\n');
    assert.ok(!files.some((f) => /node_modules[\\/]@(aws-sdk|smithy|aws-crypto)[\\/]/.test(f)), files.join('\n'));
    assert.ok(files.includes(join(CLI_PATH, '..', 'aws-sdk.bundle.cjs')), files.join('\n'));
  });

  it('the transfer agent git-lfs starts (git lfs pull): the SDK from its bundle too, every byte', async () => {
    const clone = await rf.lazyClone('agent-sdk-from-bundle');
    const preload = join(dir, 'record-modules-agent.cjs');
    await writeFile(preload, RECORD_MODULES_PRELOAD);
    const record = join(dir, 'agent-modules');
    const env = { NODE_OPTIONS: `--require ${preload}`, RECORD_MODULES: record, RECORD_MODULES_PER_PID: '1' };
    await rf.fx.box.git(['lfs', 'pull', `--include=${PATHS.labels}`, '--exclude='], { cwd: clone, env });
    assert.ok((await readFile(join(clone, PATHS.labels))).equals(rf.file(PATHS.labels).content), 'the bytes of the object');
    const agents: string[][] = [];
    for (const name of (await readdir(dir)).filter((n) => n.startsWith('agent-modules.'))) {
      const files = (await readFile(join(dir, name), 'utf8')).split('\n');
      if (files.includes(join(CLI_PATH, '..', 'agent-main.cjs'))) agents.push(files);
    }
    const fetching = agents.filter((files) => files.includes(join(CLI_PATH, '..', 'aws-sdk.bundle.cjs')));
    assert.ok(fetching.length >= 1, `an agent fetched through the SDK's bundle (${agents.length} agents)`);
    for (const files of agents) assert.ok(!files.some((f) => /node_modules[\\/]@(aws-sdk|smithy|aws-crypto)[\\/]/.test(f)), files.join('\n'));
  });

  it('without the SDK’s cache: the fetch works and writes one, which the next fetch takes as it is', async () => {
    const copy = join(dir, 'cli');
    await rm(copy, { recursive: true, force: true });
    await mkdir(copy);
    for (const name of CLI_FILES) await copyFile(join(CLI_PATH, '..', name), join(copy, name));
    const sdkCaches = async (): Promise<string[]> => (await readdir(copy)).filter((n) => n.startsWith('aws-sdk.bundle.cjs.') && n.endsWith('.v8-cache'));
    assert.deepEqual(await sdkCaches(), []);

    const fetch = async (name: string): Promise<void> => {
      const clone = await rf.lazyClone(name);
      const run = await runBinary(process.execPath, [join(copy, 'lfs-lazy.cjs'), 'cat', PATHS.big], { cwd: clone, env: rf.fx.box.env });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.stdout.equals(rf.file(PATHS.big).content), 'the bytes of the object');
    };
    await fetch('sdk-cache-1');
    const [cache] = await sdkCaches();
    assert.ok(cache !== undefined, 'a cache was written');
    const first = await stat(join(copy, cache));
    assert.ok(first.size > 100_000, `a cache of the SDK's code (${first.size} bytes)`);
    await fetch('sdk-cache-2');
    const second = await stat(join(copy, cache));
    assert.deepEqual([second.ino, second.mtimeMs], [first.ino, first.mtimeMs], 'taken, not written again');
  });
});
