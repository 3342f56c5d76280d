import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from '../git/git.js';
import type { RepositoryPaths } from '../git/repository-paths.js';

// git-lfs's pre-push hook is what uploads objects on `git push`; git-lfs's own filter installs
// it on first use, and ours takes that filter's place, so we make sure of it instead. Cheap when
// the hook is there: one access() call (and one git call unless the caller knows the hooks dir).
export async function ensureLfsHooks(cwd: string, hooksDir?: string): Promise<void> {
  const dir = hooksDir ?? (await git(['rev-parse', '--path-format=absolute', '--git-path', 'hooks'], { cwd })).stdout.trim();
  try {
    await access(join(dir, 'pre-push'));
  } catch {
    await git(['lfs', 'update'], { cwd, okCodes: [1, 2] });
  }
}

// Where git looks for the repository's hooks, when that follows from what is already known:
// <common dir>/hooks. With core.hooksPath set (relative to where hooks run, `~`, …) it is left to
// `git rev-parse --git-path hooks`.
export function knownHooksDir(paths: RepositoryPaths): string | undefined {
  return paths.config.some(([key]) => key === 'core.hookspath') ? undefined : join(paths.commonDir, 'hooks');
}
