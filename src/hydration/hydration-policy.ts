// Which paths a checkout materialises with their content: the one place that combines
//   1. the defaults a repository commits in .lfslazyconfig (multi-valued `lfs-lazy.hydrate`),
//   2. the clone's own hydrated set (what `hydrate` / `dehydrate` changed, HydratedSet),
//   3. LFS_LAZY_HYDRATE, comma-separated, for one command (`LFS_LAZY_HYDRATE='*' git clone …`).
// Patterns are pathspecs (pathspec-match.ts); `!pattern` takes paths back out; the last matching
// pattern decides, in that order, so a local dehydrate beats a committed default and the
// environment beats both.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { COMMITTED_CONFIG_FILE } from '../config/settings.js';
import { git } from '../git/git.js';
import { HydratedSet } from './hydrated-set.js';
import { selection, type Selection } from './pathspec-match.js';

export const HYDRATE_ENV = 'LFS_LAZY_HYDRATE';
export const HYDRATE_KEY = 'lfs-lazy.hydrate';

export class HydrationPolicy {
  constructor(
    readonly local: HydratedSet,
    readonly committed: readonly string[],
    readonly fromEnv: readonly string[],
  ) {}

  static async load(paths: { commonDir: string; worktree: string | undefined }, env: NodeJS.ProcessEnv = process.env): Promise<HydrationPolicy> {
    const [local, committed] = await Promise.all([HydratedSet.load(paths.commonDir), committedHydratePatterns(paths.worktree)]);
    return new HydrationPolicy(local, committed, parseHydrateList(env[HYDRATE_ENV]));
  }

  // Read on every call: `local` may change under a long-lived policy (hydrate adds to it).
  get patterns(): string[] {
    return [...this.committed, ...this.local.entries, ...this.fromEnv];
  }

  has(path: string): boolean {
    return this.decide(path) === 'selected';
  }

  decide(path: string): Selection {
    return selection(this.patterns, path);
  }
}

export function parseHydrateList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '');
}

// The working tree's file, else HEAD's. During a clone the filter may start before git has
// written .lfslazyconfig into the working tree; HEAD already names the commit being checked out.
export async function committedHydratePatterns(worktree: string | undefined): Promise<string[]> {
  if (worktree === undefined) return [];
  const file = join(worktree, COMMITTED_CONFIG_FILE);
  const source = existsSync(file) ? ['-f', file] : ['--blob', `HEAD:${COMMITTED_CONFIG_FILE}`];
  // 1: key absent; 128: no HEAD yet or no such blob.
  const result = await git(['config', ...source, '--get-all', HYDRATE_KEY], { cwd: worktree, okCodes: [1, 128] });
  if (result.code !== 0) return [];
  return result.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
}
