// Part of `npm run build` (scripts/bundle.mjs): runs the everyday commands once each in a scratch
// repository, so that the CLI bundle's code cache holds the functions they compile, not only those
// `--help` compiles (what the cache held before: every command then compiled its own functions
// from source, ≈ 5–10 ms of `path`, `status` or `hydrate` measured here). Each run takes the cache
// the one before left and writes it back with its own functions added
// (LFS_LAZY_EXTEND_CODE_CACHE, src/cli/code-cache.cts). Everything happens in a temporary
// directory with an isolated HOME and a file:// store: nothing leaves the machine. A step that
// fails leaves the cache as the steps before made it: the build does not depend on this.
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
const run = (cmd, args, input) => execFileSync(cmd, args, { cwd: repo, env, input, stdio: ['pipe', 'ignore', 'pipe'] });
const lfsLazy = (args, input) => run(process.execPath, [cli, ...args], input);

try {
  mkdirSync(join(repo, 'data'), { recursive: true });
  mkdirSync(env.HOME);
  run('git', ['init', '-q']);
  run('git', ['config', 'user.name', 'lfs-lazy build']);
  run('git', ['config', 'user.email', 'build@lfs-lazy.invalid']);
  lfsLazy(['install', '--url', `file://${join(root, 'store')}`]);
  writeFileSync(join(repo, '.gitattributes'), 'data/** filter=lfs diff=lfs merge=lfs -text\n');
  for (const name of ['a.bin', 'b.bin']) writeFileSync(join(repo, 'data', name), randomBytes(64 * 1024));
  // The clean filter (filter-process), as git runs it.
  run('git', ['add', '.']);
  run('git', ['commit', '-q', '-m', 'warm']);
  lfsLazy(['status']);
  lfsLazy(['path', 'data/a.bin']);
  lfsLazy(['cat', 'data/a.bin']);
  lfsLazy(['path', '--batch'], 'data/a.bin\n');
  lfsLazy(['cat', '--batch'], 'data/a.bin\n');
  lfsLazy(['dehydrate', 'data/b.bin']);
  lfsLazy(['hydrate', 'data/b.bin']);
  lfsLazy(['fingerprint']);
  // The smudge filter, as git runs it.
  rmSync(join(repo, 'data', 'a.bin'));
  run('git', ['checkout', '--', 'data/a.bin']);
} catch (err) {
  // Whatever ran before is in the cache already; the build goes on.
  process.stderr.write(`warm-cli-cache: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}; the code cache holds what the runs before compiled\n`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
