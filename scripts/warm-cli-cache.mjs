// Part of `npm run build` (scripts/bundle.mjs): runs the everyday commands in a scratch repository,
// so that each has a code cache of its own holding the functions it compiles (src/cli/lfs-lazy.cts
// names them), not only those `--help` compiles: with that one, each command compiled its own
// functions from source at every run (≈ 4–7 ms of `status`, measured here). A command's first run
// writes its cache; a later run of it (another form: `path --batch` after `path`) adds what it
// compiled (LFS_LAZY_EXTEND_CODE_CACHE, src/cli/code-cache.cts). Everything happens in a temporary
// directory with an isolated HOME and a file:// store: nothing leaves the machine. A step that
// fails leaves the caches as the steps before made them: the build does not depend on this.
// A plain .mjs, like bundle.mjs.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const cli = resolve('dist/src/cli/lfs-lazy.cjs');
const root = mkdtempSync(join(tmpdir(), 'lfs-lazy-warm-'));
const repo = join(root, 'repo');
const env = {
  PATH: process.env['PATH'],
  HOME: join(root, 'home'),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
  LANG: 'C.UTF-8',
  LFS_LAZY_EXTEND_CODE_CACHE: '1',
};
const run = (cmd, args, input, extraEnv = {}) => execFileSync(cmd, args, { cwd: repo, env: { ...env, ...extraEnv }, input, stdio: ['pipe', 'ignore', 'pipe'] });
const lfsLazy = (args, input) => run(process.execPath, [cli, ...args], input);

try {
  mkdirSync(join(repo, 'data'), { recursive: true });
  mkdirSync(env.HOME);
  run('git', ['init', '-q']);
  run('git', ['config', 'user.name', 'lfs-lazy build']);
  run('git', ['config', 'user.email', 'build@lfs-lazy.invalid']);
  // Once per machine: it adds nothing to the cache every other command shares (--help's).
  run(process.execPath, [cli, 'install', '--url', `file://${join(root, 'store')}`], undefined, { LFS_LAZY_EXTEND_CODE_CACHE: '0' });
  writeFileSync(join(repo, '.gitattributes'), 'data/** filter=lfs diff=lfs merge=lfs -text\n');
  for (const name of ['a.bin', 'b.bin']) writeFileSync(join(repo, 'data', name), randomBytes(64 * 1024));
  // The filter (filter-process) as git runs it: clean here, smudge at the end.
  run('git', ['add', '.']);
  run('git', ['commit', '-q', '-m', 'warm']);
  // dehydrate makes pointers only of content the bucket has: pushed to the file:// store first.
  run('git', ['init', '-q', '--bare', join(root, 'remote.git')]);
  run('git', ['push', '-q', join(root, 'remote.git'), 'HEAD']);
  lfsLazy(['status']);
  lfsLazy(['path', 'data/a.bin']);
  lfsLazy(['cat', 'data/a.bin']);
  lfsLazy(['path', '--batch'], 'data/a.bin\n');
  lfsLazy(['cat', '--batch'], 'data/a.bin\n');
  // Each with work to do, then with nothing left to do.
  lfsLazy(['dehydrate', 'data/b.bin']);
  lfsLazy(['dehydrate', 'data/b.bin']);
  lfsLazy(['hydrate', 'data/b.bin']);
  lfsLazy(['hydrate', 'data/b.bin']);
  lfsLazy(['fingerprint']);
  rmSync(join(repo, 'data', 'a.bin'));
  run('git', ['checkout', '--', 'data/a.bin']);
} catch (err) {
  // Whatever ran before is in the cache already; the build goes on.
  process.stderr.write(`warm-cli-cache: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}; the code cache holds what the runs before compiled\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
