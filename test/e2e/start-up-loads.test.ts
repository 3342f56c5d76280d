// What a command loads decides most of its fixed cost (issue 13): the installed CLI is one bundled
// file (scripts/bundle.mjs), and a command that needs neither loads neither pino (only for a line
// actually logged) nor the AWS SDK (only for a fetch). Seen from inside real runs of the bundle: a
// preload records node's module cache at exit.
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeSandbox, CLI_PATH, type Sandbox } from '../helpers/sandbox.js';
import { makeLocalLfsRepo } from '../helpers/local-lfs-repo.js';
import { RECORD_MODULES_PRELOAD } from '../helpers/record-modules.js';

describe('what a command loads at start-up', () => {
  let box: Sandbox;
  let repo: string;
  let preload: string;
  let builtinPreload: string;
  let n = 0;

  before(async () => {
    box = await makeSandbox();
    repo = await makeLocalLfsRepo(box);
    await mkdir(join(repo, 'data'));
    await writeFile(join(repo, 'data', 'a.bin'), 'content a\n');
    await writeFile(join(repo, 'data', 'b.bin'), 'content b\n');
    await box.git(['add', '.'], { cwd: repo });
    await box.git(['commit', '-q', '-m', 'two LFS files, both objects local'], { cwd: repo });
    // dehydrate makes pointers only of content the bucket has (it asks): pushed to a file:// store,
    // which loads no AWS SDK. (Against an S3 store, a dehydrate with files to rewrite loads it.)
    await box.git(['config', 'lfs-lazy.url', `file://${join(box.root, 'store')}`], { cwd: repo });
    await box.git(['init', '-q', '--bare', join(box.root, 'remote.git')]);
    await box.git(['remote', 'add', 'origin', join(box.root, 'remote.git')], { cwd: repo });
    await box.git(['push', '-q', 'origin', 'HEAD'], { cwd: repo });
    preload = join(box.root, 'record-modules.cjs');
    await writeFile(preload, RECORD_MODULES_PRELOAD);
    builtinPreload = join(box.root, 'record-builtins.cjs');
    await writeFile(builtinPreload, "process.on('exit', () => require('node:fs').writeFileSync(process.env.RECORD_MODULES, process.moduleLoadList.join('\\n')));\n");
  });
  after(() => box?.cleanup());

  // The files node loaded through require (the CLI's files are CommonJS, and so are pino and the
  // SDK), then the bundles run from a code cache (src/cli/code-cache.cts compiles them with vm.Script).
  async function loaded(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
    const record = join(box.root, `modules-${n++}.txt`);
    await box.run(process.execPath, ['--require', preload, CLI_PATH, ...args], { cwd: repo, env: { RECORD_MODULES: record, ...env } });
    return (await readFile(record, 'utf8')).split('\n').filter((f) => f !== preload);
  }

  const commands = [['--version'], ['path', 'data/a.bin'], ['cat', 'data/a.bin'], ['status'], ['hydrate', 'data/a.bin'], ['dehydrate', 'data/b.bin']];
  for (const args of commands) {
    it(`${args.join(' ')}: the bundle alone, no pino, no AWS SDK`, async () => {
      const files = await loaded(args);
      const bundle = args[0] === '--version' ? 'lfs-lazy.bundle.cjs' : `lfs-lazy.${args[0]}.bundle.cjs`;
      assert.deepEqual(files, [CLI_PATH, join(CLI_PATH, '..', 'code-cache.cjs'), join(CLI_PATH, '..', bundle)]);
    });
  }

  // node's own modules, as node lists them (`NativeModule crypto`): in the bundle, the ones
  // `node -e 0` does not load are loaded on their first use (scripts/bundle.mjs, lazy-builtins).
  async function builtins(args: string[]): Promise<string[]> {
    const record = join(box.root, `builtins-${n++}.txt`);
    await box.run(process.execPath, ['--require', builtinPreload, CLI_PATH, ...args], { cwd: repo, env: { RECORD_MODULES: record } });
    return (await readFile(record, 'utf8')).split('\n').flatMap((line) => /^NativeModule (.*)$/.exec(line)?.[1] ?? []);
  }

  for (const args of [['path', 'data/a.bin'], ['cat', 'data/a.bin'], ['status']]) {
    it(`${args.join(' ')}: node:crypto is not loaded, nothing is hashed`, async () => {
      const loadedBuiltins = await builtins(args);
      assert.ok(loadedBuiltins.includes('child_process'), loadedBuiltins.join(' '));
      assert.ok(!loadedBuiltins.includes('crypto'), loadedBuiltins.join(' '));
    });
  }

  // Each of these rewrites the hydrated set (a pattern it does not hold yet, for files that already
  // are as asked), so each takes the set's lock, whose owner token names no hash
  // (util/temp-files.ts).
  it('hydrate and dehydrate that change the hydrated set, under its lock: node:crypto is not loaded', async () => {
    const set = join(repo, '.git', 'lfs-lazy', 'hydrated');
    await box.run(process.execPath, [CLI_PATH, 'dehydrate', 'data/b.bin'], { cwd: repo });
    for (const args of [['hydrate', 'data/a*.bin'], ['dehydrate', 'data/b*.bin']]) {
      const before = await readFile(set, 'utf8');
      const loadedBuiltins = await builtins(args);
      assert.notEqual(await readFile(set, 'utf8'), before, `${args.join(' ')} rewrote the set`);
      assert.ok(!loadedBuiltins.includes('crypto'), `${args.join(' ')}: ${loadedBuiltins.join(' ')}`);
    }
  });

  // node:fs/promises (1.2–2 ms to load here) only where files are written or read through a
  // FileHandle: a run that finds nothing to change makes its few calls through node:fs
  // (util/plain-fs.ts).
  it('status, and hydrate or dehydrate with nothing to do: node:fs/promises is not loaded', async () => {
    // Both as asked already, and the hydrated set holding both rules.
    await box.run(process.execPath, [CLI_PATH, 'hydrate', 'data/a.bin'], { cwd: repo });
    await box.run(process.execPath, [CLI_PATH, 'dehydrate', 'data/b.bin'], { cwd: repo });
    for (const args of [['status'], ['hydrate', 'data/a.bin'], ['dehydrate', 'data/b.bin']]) {
      const loadedBuiltins = await builtins(args);
      assert.ok(loadedBuiltins.includes('child_process'), loadedBuiltins.join(' '));
      assert.ok(!loadedBuiltins.includes('fs/promises'), `${args.join(' ')}: ${loadedBuiltins.join(' ')}`);
    }
  });

  it('node:fs/promises is loaded once a file is written (the check above can see it): hydrate of a pointer', async () => {
    await box.run(process.execPath, [CLI_PATH, 'dehydrate', 'data/b.bin'], { cwd: repo });
    assert.ok((await builtins(['hydrate', 'data/b.bin'])).includes('fs/promises'));
  });

  // Each everyday command runs a bundle of its own, from a code cache the build made by running it
  // (scripts/warm-cli-cache.mjs): its functions are compiled already. V8 takes the cache: one it
  // refused would be written anew at the run's exit.
  it('status, path, cat, hydrate, dehydrate and fingerprint each run a bundle of their own from its code cache, which V8 takes', async () => {
    const cliDir = join(CLI_PATH, '..');
    const recorder = join(box.root, 'record-caches.cjs');
    await writeFile(
      recorder,
      "const fs = require('node:fs'); const read = fs.readFileSync; const seen = [];\n" +
        "fs.readFileSync = function (file, ...rest) { if (typeof file === 'string' && file.endsWith('.v8-cache')) seen.push(file); return read.call(this, file, ...rest); };\n" +
        "process.on('exit', () => fs.writeFileSync(process.env.RECORD_CACHES, seen.join('\\n')));\n",
    );
    for (const args of [['status'], ['path', 'data/a.bin'], ['cat', 'data/a.bin'], ['hydrate', 'data/a.bin'], ['dehydrate', 'data/b.bin'], ['fingerprint']]) {
      const own = (await readdir(cliDir)).filter((f) => f.startsWith(`lfs-lazy.${args[0]}.bundle.cjs.`) && f.endsWith('.v8-cache'));
      assert.equal(own.length, 1, `${args[0]}: ${own.join(', ')}`);
      const cache = join(cliDir, own[0]!);
      const before = await stat(cache);
      const record = join(box.root, `caches-${n++}.txt`);
      await box.run(process.execPath, ['--require', recorder, CLI_PATH, ...args], { cwd: repo, env: { RECORD_CACHES: record } });
      assert.deepEqual((await readFile(record, 'utf8')).split('\n'), [cache], args.join(' '));
      const after = await stat(cache);
      assert.deepEqual([after.ino, after.mtimeMs], [before.ino, before.mtimeMs], `${args.join(' ')}: the cache was not written anew`);
    }
  });

  it('node:crypto is loaded once used (the check above can see it): fingerprint hashes', async () => {
    assert.ok((await builtins(['fingerprint'])).includes('crypto'));
  });

  it('a line logged loads pino, and only then (the check above can see it)', async () => {
    const files = await loaded(['hydrate', 'data/a.bin'], { LFS_LAZY_LOG_LEVEL: 'debug' });
    assert.ok(files.some((f) => f.includes(join('node_modules', 'pino'))), files.join('\n'));
    assert.ok(!files.some((f) => f.includes('@aws-sdk') || f.includes('aws-sdk.bundle')), files.join('\n'));
  });
});
