// Which paths a checkout materialises with their content: the one place that combines
//   1. the defaults a repository commits in .lfslazyconfig (multi-valued `lfs-lazy.hydrate`),
//   2. the clone's own hydrated set (what `hydrate` / `dehydrate` changed, HydratedSet),
//   3. LFS_LAZY_HYDRATE, comma-separated, for one command (`LFS_LAZY_HYDRATE='*' git clone …`).
// Patterns are pathspecs (pathspec-match.ts); `!pattern` takes paths back out; the last matching
// pattern decides, in that order, so a local dehydrate beats a committed default and the
// environment beats both.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readPlainConfigFile } from '../config/committed-file.js';
import { COMMITTED_CONFIG_FILE } from '../config/settings.js';
import { git } from '../git/git.js';
import { DehydratedObjects, loadDehydratedObjects } from './dehydrated-objects.js';
import { HydratedSet } from './hydrated-set.js';
import { decide, patternProblem, type Selection, type Rule } from './pathspec-match.js';
import { parseRule } from './pattern-line.js';

export const HYDRATE_ENV = 'LFS_LAZY_HYDRATE';
export const HYDRATE_KEY = 'lfs-lazy.hydrate';

// Rules read from one source, with a line for the user about each one ignored.
export interface ReadRules {
  rules: Rule[];
  problems: string[];
}

export class HydrationPolicy {
  readonly committed: readonly Rule[];
  readonly fromEnv: readonly Rule[];
  // One line per pattern ignored because git cannot match with it, from any of the three sources:
  // the caller reports them (once), they never stop a checkout.
  readonly problems: readonly string[];

  constructor(
    readonly local: HydratedSet,
    committed: ReadRules = { rules: [], problems: [] },
    fromEnv: ReadRules = { rules: [], problems: [] },
    // The objects `dehydrate` turned into pointers (dehydrated-objects.ts).
    private readonly dehydratedObjects: DehydratedObjects = new DehydratedObjects(),
  ) {
    this.committed = committed.rules;
    this.fromEnv = fromEnv.rules;
    this.problems = [...committed.problems, ...local.problems, ...fromEnv.problems];
  }

  static async load(paths: { commonDir: string; worktree: string | undefined }, env: NodeJS.ProcessEnv = process.env): Promise<HydrationPolicy> {
    const [local, committed, dehydrated] = await Promise.all([
      HydratedSet.load(paths.commonDir),
      committedHydrateRules(paths.worktree),
      loadDehydratedObjects(paths.commonDir),
    ]);
    return new HydrationPolicy(local, committed, parseHydrateList(env[HYDRATE_ENV]), dehydrated);
  }

  // Read on every call: `local` may change under a long-lived policy (hydrate adds to it).
  get rules(): Rule[] {
    return [...this.committed, ...this.local.valid, ...this.fromEnv];
  }

  // `excluded`: the user asked for a pointer here (a `!pattern`, e.g. from dehydrate).
  decide(path: string): Selection {
    return decide(this.rules, path);
  }

  // Whether `dehydrate` turned this object into a pointer at this path: only those stay pointers
  // on an excluded path when the object is local.
  wasDehydrated(oid: string, path: string): boolean {
    return this.dehydratedObjects.has(oid, path);
  }

  // Whether any rule takes paths in: without one, no path of a checkout is fetched.
  get selectsAny(): boolean {
    return this.rules.some((rule) => !rule.exclude);
  }

  has(path: string): boolean {
    return this.decide(path) === 'selected';
  }
}

export function parseHydrateList(value: string | undefined): ReadRules {
  const texts = (value ?? '')
    .split(',')
    .map((pattern) => pattern.trim())
    .filter((pattern) => pattern !== '');
  return readRules(texts, HYDRATE_ENV);
}

// The working tree's file, else HEAD's. During a clone the filter may start before git has
// written .lfslazyconfig into the working tree; HEAD already names the commit being checked out.
export async function committedHydrateRules(worktree: string | undefined): Promise<ReadRules> {
  if (worktree === undefined) return { rules: [], problems: [] };
  const file = join(worktree, COMMITTED_CONFIG_FILE);
  const exists = existsSync(file);
  const plain = exists ? readPlainConfigFile(file) : undefined;
  let values: string[];
  if (plain !== undefined) {
    values = plain.filter(([key]) => key === HYDRATE_KEY).map(([, value]) => value);
  } else {
    const source = exists ? ['-f', file] : ['--blob', `HEAD:${COMMITTED_CONFIG_FILE}`];
    // 1: key absent; 128: no HEAD yet or no such blob.
    const result = await git(['config', ...source, '--get-all', HYDRATE_KEY], { cwd: worktree, okCodes: [1, 128] });
    if (result.code !== 0) return { rules: [], problems: [] };
    values = result.stdout.split('\n');
  }
  const texts = values.map((line) => line.trim()).filter((line) => line !== '');
  return readRules(texts, `${COMMITTED_CONFIG_FILE} (hydrate =)`);
}

function readRules(texts: readonly string[], source: string): ReadRules {
  const read: ReadRules = { rules: [], problems: [] };
  for (const text of texts) {
    const rule = parseRule(text);
    const problem = patternProblem(rule.pattern);
    if (problem === undefined) read.rules.push(rule);
    else read.problems.push(`ignoring the pattern ${JSON.stringify(rule.pattern)} in ${source}: ${problem}`);
  }
  return read;
}
