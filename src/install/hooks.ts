import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from '../git/git.js';
import type { RepositoryPaths } from '../git/repository-paths.js';

// git-lfs's pre-push hook is what uploads objects on `git push`; git-lfs's own filter installs
// it on first use, and ours takes that filter's place, so we make sure of it instead — in the form
// below, which runs git-lfs's own `pre-push` through `lfs-lazy pre-push`: a lazy clone pushes
// commits naming objects it never downloaded (a revert, a cherry-pick of someone's data), which
// git-lfs alone refuses as missing (docs/configuration.md, "Pushing"). The lfs-lazy command is
// taken from filter.lfs.process, the one place install writes it, so the hook follows a reinstall
// and, once lfs-lazy is uninstalled, is git-lfs's hook again.
export const PRE_PUSH_HOOK = [
  '#!/bin/sh',
  "# git-lfs's pre-push hook, run through lfs-lazy where lfs-lazy is installed (see lfs-lazy's",
  '# docs/configuration.md, "Pushing"). Otherwise, or with lfs-lazy uninstalled: git lfs pre-push.',
  'command -v git-lfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository is configured for Git LFS but \'git-lfs\' was not found on your path. If you no longer wish to use Git LFS, remove this hook by deleting \'.git/hooks/pre-push\'.\\n"; exit 2; }',
  'lfs_lazy=$(git config --get filter.lfs.process)',
  'case "$lfs_lazy" in',
  '*lfs-lazy*" filter-process") exec /bin/sh -c "${lfs_lazy% filter-process} pre-push \\"\\$@\\"" lfs-lazy-pre-push "$@" ;;',
  'esac',
  'exec git lfs pre-push "$@"',
  '',
].join('\n');

// The pre-push hooks git-lfs writes (its current one and the older forms it upgrades): replaced by
// ours. Any other hook is the user's, and stays as it is.
const GIT_LFS_PRE_PUSH = /^#!\/bin\/sh\n(?:command -v git-lfs [^\n]*\n)?git lfs (?:pre-push|push --stdin) (?:"\$@"|\$\*)\s*$/;

// What a pre-push hook does for LFS objects (lfs-lazy doctor): lfs-lazy's own; one that calls
// `lfs-lazy pre-push` (a hook of the user's); one that calls only git-lfs's (git-lfs's own, or the
// user's: pushes of objects never downloaded here are refused); none (no hook, or one that never
// calls either: git push uploads nothing).
export type PrePushHookKind = 'lfs-lazy' | 'calls lfs-lazy' | 'calls git-lfs' | 'none';

export function prePushHookKind(content: string | undefined): PrePushHookKind {
  if (content === undefined) return 'none';
  if (content === PRE_PUSH_HOOK) return 'lfs-lazy';
  if (/lfs-lazy[^\n]* pre-push\b/.test(content)) return 'calls lfs-lazy';
  return /\bgit(?: |-)lfs (?:pre-push|push --stdin)\b/.test(content) ? 'calls git-lfs' : 'none';
}

// Cheap when the hook is there: one read (and one git call unless the caller knows the hooks dir).
export async function ensureLfsHooks(cwd: string, hooksDir?: string): Promise<void> {
  const dir = hooksDir ?? (await git(['rev-parse', '--path-format=absolute', '--git-path', 'hooks'], { cwd })).stdout.trim();
  const prePush = join(dir, 'pre-push');
  let current = await readHook(prePush);
  if (current === undefined) {
    // post-checkout, post-commit and post-merge too (git-lfs's file locking uses them).
    await git(['lfs', 'update'], { cwd, okCodes: [1, 2] });
    current = await readHook(prePush);
  }
  if (current !== undefined && GIT_LFS_PRE_PUSH.test(current)) await writeHook(prePush, PRE_PUSH_HOOK);
}

export async function readHook(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

// Written aside and renamed into place: git may run the hook at any moment (a push in another
// terminal), and exec'ing a file still being written fails ("Text file busy").
async function writeHook(path: string, content: string): Promise<void> {
  const temp = `${path}.lfs-lazy-${process.pid}.tmp`;
  try {
    await writeFile(temp, content, { mode: 0o755 });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

// Where git looks for the repository's hooks, when that follows from what is already known:
// <common dir>/hooks. With core.hooksPath set (relative to where hooks run, `~`, …) it is left to
// `git rev-parse --git-path hooks`.
export function knownHooksDir(paths: RepositoryPaths): string | undefined {
  return paths.config.some(([key]) => key === 'core.hookspath') ? undefined : join(paths.commonDir, 'hooks');
}
