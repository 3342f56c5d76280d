// The pre-push hook lfs-lazy writes in place of git-lfs's, and the list git-lfs's dry run gives
// it: which existing hooks count as git-lfs's (replaced) and which as the user's (never touched),
// and what the hook script runs, checked by running it with a stand-in for git.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureLfsHooks, PRE_PUSH_HOOK } from '../../src/install/hooks.js';
import { parseDryRun } from '../../src/push/unfetched-objects.js';

const OID_A = 'a'.repeat(64);
const OID_B = '0123456789abcdef'.repeat(4);

// git-lfs 3.3's current pre-push hook and the older forms it upgrades (lfs/hook.go).
const GIT_LFS_HOOKS = [
  `#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository is configured for Git LFS but 'git-lfs' was not found on your path. If you no longer wish to use Git LFS, remove this hook by deleting '.git/hooks/pre-push'.\\n"; exit 2; }\ngit lfs pre-push "$@"\n`,
  `#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository has been set up with Git LFS but Git LFS is not installed.\\n"; exit 0; }\ngit lfs pre-push "$@"`,
  '#!/bin/sh\ngit lfs pre-push "$@"\n',
  '#!/bin/sh\ngit lfs push --stdin $*\n',
];
const USER_HOOKS = [
  '#!/bin/sh\n./run-linters.sh || exit 1\ngit lfs pre-push "$@"\n',
  '#!/bin/sh\nexec husky-run pre-push "$@"\n',
  `#!/bin/bash\ngit lfs pre-push "$@"\n`,
];

describe('pre-push hook', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-hook-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("replaces git-lfs's own hook, in every form git-lfs has written, with lfs-lazy's", async () => {
    for (const [i, hook] of GIT_LFS_HOOKS.entries()) {
      const hooks = join(dir, `lfs-${i}`);
      mkdirSync(hooks);
      writeFileSync(join(hooks, 'pre-push'), hook);
      await ensureLfsHooks(dir, hooks);
      assert.equal(readFileSync(join(hooks, 'pre-push'), 'utf8'), PRE_PUSH_HOOK, `form ${i}`);
    }
  });

  it("leaves a hook of the user's own as it is, and lfs-lazy's own too", async () => {
    for (const [i, hook] of [...USER_HOOKS, PRE_PUSH_HOOK].entries()) {
      const hooks = join(dir, `user-${i}`);
      mkdirSync(hooks);
      writeFileSync(join(hooks, 'pre-push'), hook);
      await ensureLfsHooks(dir, hooks);
      assert.equal(readFileSync(join(hooks, 'pre-push'), 'utf8'), hook, `hook ${i}`);
    }
  });

  // The script, run by sh with a `git` on PATH that answers `config --get filter.lfs.process` as
  // told and records any other call: lfs-lazy's command gets `pre-push` and git's two arguments,
  // quoted as the shell reads filter.lfs.process; anything else is `git lfs pre-push`.
  function runHook(filterProcess: string | undefined): string {
    const bin = join(dir, `bin-${Math.random().toString(36).slice(2)}`);
    mkdirSync(bin);
    const log = join(bin, 'calls');
    const stub = (name: string, body: string) => {
      writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
      chmodSync(join(bin, name), 0o755);
    };
    const value = join(bin, 'filter-process');
    if (filterProcess !== undefined) writeFileSync(value, `${filterProcess}\n`);
    stub('git', `if [ "$1 $2 $3" = "config --get filter.lfs.process" ]; then cat '${value}' 2>/dev/null; exit; fi\nprintf 'git' >> '${log}'; printf ' [%s]' "$@" >> '${log}'; echo >> '${log}'`);
    stub('git-lfs', 'exit 0');
    stub('fake-node', `printf 'fake-node' >> '${log}'; printf ' [%s]' "$@" >> '${log}'; echo >> '${log}'`);
    writeFileSync(join(bin, 'hook'), PRE_PUSH_HOOK);
    execFileSync('/bin/sh', [join(bin, 'hook'), 'origin', 'https://example.invalid/r.git'], { env: { PATH: `${bin}:/usr/bin:/bin` }, input: '' });
    return readFileSync(log, 'utf8');
  }

  it("runs lfs-lazy pre-push with git's arguments when filter.lfs.process is lfs-lazy's, else git lfs pre-push", () => {
    assert.equal(runHook("fake-node '/opt/my tools/lfs-lazy/dist/src/cli/lfs-lazy.cjs' filter-process"), 'fake-node [/opt/my tools/lfs-lazy/dist/src/cli/lfs-lazy.cjs] [pre-push] [origin] [https://example.invalid/r.git]\n');
    assert.equal(runHook('git-lfs filter-process'), 'git [lfs] [pre-push] [origin] [https://example.invalid/r.git]\n');
    assert.equal(runHook(undefined), 'git [lfs] [pre-push] [origin] [https://example.invalid/r.git]\n');
  });

  it('reads the objects of git-lfs\'s dry run, names with spaces and arrows included, and nothing else', () => {
    const output = [`push ${OID_A} => data/a.bin`, `push ${OID_B} => odd name => x.bin`, 'push nothing => a', `push ${OID_A.toUpperCase()} => b.bin`, 'Uploading LFS objects: 100% (2/2)', ''].join('\n');
    assert.deepEqual(parseDryRun(output), [
      { oid: OID_A, path: 'data/a.bin' },
      { oid: OID_B, path: 'odd name => x.bin' },
    ]);
  });
});
