// What a command loads decides most of its fixed cost (issue 13): the installed CLI is one bundled
// file (scripts/bundle.mjs), and a command that needs neither loads neither pino (only for a line
// actually logged) nor the AWS SDK (only for a fetch). Seen from inside real runs of the bundle: a
// preload records node's module cache at exit.
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
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
      assert.deepEqual(files, [CLI_PATH, join(CLI_PATH, '..', 'code-cache.cjs'), join(CLI_PATH, '..', 'lfs-lazy.bundle.cjs')]);
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

  it('node:crypto is loaded once used (the check above can see it): fingerprint hashes', async () => {
    assert.ok((await builtins(['fingerprint'])).includes('crypto'));
  });

  it('a line logged loads pino, and only then (the check above can see it)', async () => {
    const files = await loaded(['hydrate', 'data/a.bin'], { LFS_LAZY_LOG_LEVEL: 'debug' });
    assert.ok(files.some((f) => f.includes(join('node_modules', 'pino'))), files.join('\n'));
    assert.ok(!files.some((f) => f.includes('@aws-sdk') || f.includes('aws-sdk.bundle')), files.join('\n'));
  });
});
