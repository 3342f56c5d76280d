// The operations of a sequence, and how each is carried out in one repository. Every operation
// that can stop half-way (a conflicting merge, rebase, cherry-pick or stash pop) is finished
// deterministically in the same step: aborted, or reset, so the next step starts from a settled
// state. hydrate and dehydrate exist only for lfs-lazy: on the oracle they do nothing.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pointerOid } from './snapshot.js';
import { commitInLinkedWorktree, type WorktreeStep } from './linked-worktree.js';
import { pushFromElsewhere } from './upstream.js';
import { isLfsPath, lfsContent, plainContent, sha256 } from './universe.js';
import type { Side, World } from './world.js';

export type Op =
  | { kind: 'edit'; path: string; content: string }
  | { kind: 'add'; path: string | null }
  | { kind: 'commit'; all: boolean; message: string }
  | { kind: 'branch'; name: string }
  | { kind: 'switch'; branch: string; force: boolean }
  | { kind: 'merge'; branch: string; squash: boolean }
  | { kind: 'rebase'; onto: string; autostash: boolean }
  | { kind: 'cherry-pick'; branch: string }
  | { kind: 'stash'; untracked: boolean; keepIndex: boolean; path: string | null }
  | { kind: 'stash-pop' }
  | { kind: 'reset-hard'; target: 'HEAD' | 'HEAD~1' }
  | { kind: 'restore'; path: string }
  | { kind: 'rm'; path: string; cached: boolean }
  | { kind: 'mv'; from: string; to: string }
  | { kind: 'sparse-set'; dirs: string[] }
  | { kind: 'sparse-disable' }
  | { kind: 'hydrate'; pathspec: string }
  | { kind: 'dehydrate'; pathspec: string }
  | { kind: 'prune' }
  | { kind: 'amend'; all: boolean }
  | { kind: 'revert' }
  | { kind: 'reset'; mode: 'soft' | 'mixed'; target: 'HEAD' | 'HEAD~1' }
  | { kind: 'unstage'; path: string }
  | { kind: 'checkout-from'; branch: string; path: string }
  | { kind: 'stash-apply' }
  | { kind: 'stash-drop' }
  | { kind: 'clean' }
  | { kind: 'flagged'; path: string; flag: IndexFlag; lazy: LazyCommand; pathspec: string }
  | { kind: 'push'; force: boolean }
  | { kind: 'upstream'; branch: UpstreamBranch; path: string; content: string }
  | { kind: 'pull'; branch: UpstreamBranch; rebase: boolean }
  | { kind: 'merge-resolve'; branch: string; take: 'ours' | 'theirs' }
  | { kind: 'lfs-pull' }
  | { kind: 'track'; pattern: TextPattern; stage: boolean }
  | ({ kind: 'worktree' } & WorktreeStep);

// What `track` sends through LFS from then on: plain-git text files, committed before as plain
// blobs (a user moving files into LFS half-way through a project's history).
export const TEXT_PATTERNS = ['*.txt', 'data/*.txt'] as const;
type TextPattern = (typeof TEXT_PATTERNS)[number];

// The branches every remote has from the start (world.ts).
export const UPSTREAM_BRANCHES = ['main', 'side'] as const;
type UpstreamBranch = (typeof UPSTREAM_BRANCHES)[number];

// The index flags that make git stop looking at a working-tree file. A step sets one only for the
// time of an lfs-lazy command and clears it again: while a flag is set, what git does with the
// file (overwrite an edit, refuse a reset) hangs on its exact stat data, which lazy pointers make
// differ from git-lfs's by design, so no later step may meet it.
export const INDEX_FLAGS = ['skip-worktree', 'assume-unchanged'] as const;
export type IndexFlag = (typeof INDEX_FLAGS)[number];
type LazyCommand = 'hydrate' | 'dehydrate';

// The lfs-lazy command a step runs in the subject (none in the oracle), if any.
export function lazyCommandOf(op: Op): { command: LazyCommand; pathspec: string } | undefined {
  if (op.kind === 'hydrate' || op.kind === 'dehydrate') return { command: op.kind, pathspec: op.pathspec };
  if (op.kind === 'flagged') return { command: op.lazy, pathspec: op.pathspec };
  return undefined;
}

export type OpKind = Op['kind'];
export const OP_KINDS: readonly OpKind[] = [
  'edit', 'add', 'commit', 'branch', 'switch', 'merge', 'rebase', 'cherry-pick', 'stash', 'stash-pop',
  'reset-hard', 'restore', 'rm', 'mv', 'sparse-set', 'sparse-disable', 'hydrate', 'dehydrate', 'prune',
  'amend', 'revert', 'reset', 'unstage', 'checkout-from', 'stash-apply', 'stash-drop', 'clean', 'flagged',
  'push', 'upstream', 'pull', 'merge-resolve', 'lfs-pull', 'track', 'worktree',
];

export function describe(op: Op): string {
  switch (op.kind) {
    case 'edit': {
      const size = (isLfsPath(op.path) ? lfsContent(op.content) : plainContent(op.content)).length;
      return `write ${op.path} ← ${op.content} (${size} B)`;
    }
    case 'add': return `git add ${op.path ?? '-A'}`;
    case 'commit': return op.all ? `git add -A && git commit -m '${op.message}'` : `git commit -m '${op.message}'`;
    case 'branch': return `git branch ${op.name}`;
    case 'switch': return `git checkout${op.force ? ' -f' : ''} ${op.branch}`;
    case 'merge': return `git merge ${op.squash ? '--squash' : '--no-edit'} -X theirs ${op.branch} (abort on conflict)`;
    case 'rebase': return `git rebase -X theirs${op.autostash ? ' --autostash' : ''} ${op.onto} (abort on conflict)`;
    case 'cherry-pick': return `git cherry-pick -X theirs ${op.branch} (abort on conflict)`;
    case 'stash': return `git stash push${op.untracked ? ' -u' : ''}${op.keepIndex ? ' --keep-index' : ''}${op.path ? ` -- ${op.path}` : ''}`;
    case 'stash-pop': return 'git stash pop (reset --hard on conflict)';
    case 'reset-hard': return `git reset --hard ${op.target}`;
    case 'restore': return `git checkout -- ${op.path}`;
    case 'rm': return `git rm${op.cached ? ' --cached' : ''} ${op.path}`;
    case 'mv': return `git mv ${op.from} ${op.to}`;
    case 'sparse-set': return `git sparse-checkout set --cone ${op.dirs.join(' ')}`.trimEnd();
    case 'sparse-disable': return 'git sparse-checkout disable';
    case 'hydrate': return `lfs-lazy hydrate ${op.pathspec} (subject only)`;
    case 'dehydrate': return `lfs-lazy dehydrate ${op.pathspec} (subject only)`;
    case 'prune': return 'git lfs prune';
    case 'amend': return op.all ? 'git add -A && git commit --amend --no-edit' : 'git commit --amend --no-edit';
    case 'revert': return 'git revert --no-edit HEAD (abort on conflict)';
    case 'reset': return `git reset --${op.mode} ${op.target}`;
    case 'unstage': return `git reset -- ${op.path}`;
    case 'checkout-from': return `git checkout ${op.branch} -- ${op.path}`;
    case 'stash-apply': return 'git stash apply (reset --hard on conflict)';
    case 'stash-drop': return 'git stash drop';
    case 'clean': return 'git clean -fd';
    case 'flagged': return `git update-index --${op.flag} ${op.path}; lfs-lazy ${op.lazy} ${op.pathspec} (subject only); git update-index --no-${op.flag} ${op.path}`;
    case 'push': return `git push${op.force ? ' --force' : ''} origin HEAD`;
    case 'upstream': return `someone else pushes a commit to origin ${op.branch}: ${op.path} ← ${op.content}`;
    case 'pull': return `git fetch origin && git ${op.rebase ? 'rebase' : 'merge --no-edit'} -X theirs origin/${op.branch} (git pull; abort on conflict)`;
    case 'merge-resolve': return `git merge --no-edit ${op.branch}; on a conflict, each file: git checkout --${op.take} (else git rm), git add; git commit --no-edit`;
    case 'lfs-pull': return 'git lfs pull';
    case 'track': return `git lfs track '${op.pattern}'${op.stage ? ' && git add .gitattributes' : ''}`;
    case 'worktree': return `git worktree add <worktree> ${op.branch};${op.hydrate ? ` lfs-lazy hydrate ${op.path} there (subject only);` : ''} write ${op.path} ← ${op.content} there, git add -A, git commit; git worktree remove --force <worktree>`;
  }
}

// What one command of a step did in one repository: compared between the two.
export interface CommandOutcome {
  command: string;
  code: number;
  stderr: string;
  timedOut: boolean;
}

export async function apply(world: World, side: Side, op: Op): Promise<CommandOutcome[]> {
  const outcomes: CommandOutcome[] = [];
  const git = async (...args: string[]): Promise<number> => {
    const result = await world.git(side, args);
    outcomes.push({ command: `git ${args.join(' ')}`, code: result.code, stderr: result.stderr, timedOut: result.timedOut });
    return result.timedOut ? Number.NaN : result.code;
  };
  // lfs-lazy runs in the subject only, and only when it is lfs-lazy. A random pathspec may match no
  // LFS file yet: the user who names it selects it for later checkouts (hydrate refuses it without
  // --ignore-unmatch).
  const lazy = async (command: LazyCommand, pathspec: string): Promise<void> => {
    if (side === 'oracle' || world.subjectKind === 'git-lfs') return;
    const args = command === 'hydrate' ? ['hydrate', '--ignore-unmatch', pathspec] : [command, pathspec];
    const result = await world.lazy(args);
    outcomes.push({ command: `lfs-lazy ${args.join(' ')}`, code: result.code, stderr: result.stderr, timedOut: result.timedOut });
  };
  // A probe of the repository's state, not an outcome (its answer shows in the next command).
  const exists = async (ref: string) => (await world.git(side, ['rev-parse', '-q', '--verify', ref])).code === 0;
  const dir = world.dirs[side];
  switch (op.kind) {
    case 'edit': {
      const target = join(dir, op.path);
      const content = isLfsPath(op.path) ? lfsContent(op.content) : plainContent(op.content);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
      // Content written over a pointer (or over an edit of one) that is exactly what the index
      // names still counts as modified: git trusts the size it recorded, the pointer's, and never
      // looks. lazy-policy.md tells the user to `git add` such a file, and so does the test, in
      // both repositories alike (for the oracle it changes nothing). Any path: `track` makes
      // text files LFS files too.
      if (await indexNames(world, side, op.path, content)) await git('add', '--', op.path);
      return outcomes;
    }
    case 'add':
      await git('add', ...(op.path === null ? ['-A'] : ['--', op.path]));
      return outcomes;
    case 'commit':
      if (op.all) await git('add', '-A');
      await git('commit', '-q', '-m', op.message);
      return outcomes;
    case 'branch':
      await git('branch', op.name);
      return outcomes;
    case 'switch':
      await git('checkout', '-q', ...(op.force ? ['-f'] : []), op.branch);
      return outcomes;
    case 'merge':
      if (op.squash) {
        // A squash merge stages its result and leaves no MERGE_HEAD: a conflict is undone by reset --merge.
        if ((await git('merge', '-q', '--squash', '-X', 'theirs', op.branch)) !== 0 && (await world.git(side, ['ls-files', '-u'])).stdout.length > 0) await git('reset', '-q', '--merge');
      } else if ((await git('merge', '-q', '--no-edit', '-X', 'theirs', op.branch)) !== 0 && (await exists('MERGE_HEAD'))) await git('merge', '--abort');
      return outcomes;
    case 'rebase': {
      const flags = op.autostash ? ['--autostash'] : [];
      if ((await git('rebase', '-q', '-X', 'theirs', ...flags, op.onto)) !== 0 && rebaseInProgress(world, side)) await git('rebase', '--abort');
      return outcomes;
    }
    case 'cherry-pick':
      if ((await git('cherry-pick', '-X', 'theirs', op.branch)) !== 0 && (await exists('CHERRY_PICK_HEAD'))) await git('cherry-pick', '--abort');
      return outcomes;
    case 'stash':
      await git('stash', 'push', '-q', ...(op.untracked ? ['-u'] : []), ...(op.keepIndex ? ['--keep-index'] : []), ...(op.path ? ['--', op.path] : []));
      return outcomes;
    case 'stash-pop':
    case 'stash-apply':
      if ((await git('stash', op.kind === 'stash-pop' ? 'pop' : 'apply', '-q')) !== 0 && (await world.git(side, ['ls-files', '-u'])).stdout.length > 0) await git('reset', '-q', '--hard');
      return outcomes;
    case 'stash-drop':
      await git('stash', 'drop', '-q');
      return outcomes;
    case 'reset-hard':
      await git('reset', '-q', '--hard', op.target);
      return outcomes;
    case 'restore':
      await git('checkout', '-q', '--', op.path);
      return outcomes;
    case 'rm':
      await git('rm', '-q', ...(op.cached ? ['--cached'] : []), '--', op.path);
      return outcomes;
    case 'mv':
      await git('mv', '--', op.from, op.to);
      return outcomes;
    case 'sparse-set':
      await git('sparse-checkout', 'set', '--cone', ...op.dirs);
      return outcomes;
    case 'sparse-disable':
      await git('sparse-checkout', 'disable');
      return outcomes;
    case 'hydrate':
    case 'dehydrate':
      await lazy(op.kind, op.pathspec);
      return outcomes;
    case 'prune':
      await git('lfs', 'prune');
      return outcomes;
    case 'amend':
      if (op.all) await git('add', '-A');
      await git('commit', '-q', '--amend', '--no-edit');
      return outcomes;
    case 'revert':
      if ((await git('revert', '--no-edit', 'HEAD')) !== 0 && (await exists('REVERT_HEAD'))) await git('revert', '--abort');
      return outcomes;
    case 'reset':
      await git('reset', '-q', `--${op.mode}`, op.target);
      return outcomes;
    case 'unstage':
      await git('reset', '-q', '--', op.path);
      return outcomes;
    case 'checkout-from':
      await git('checkout', '-q', op.branch, '--', op.path);
      return outcomes;
    case 'clean':
      await git('clean', '-fdq');
      return outcomes;
    case 'flagged':
      await git('update-index', `--${op.flag}`, '--', op.path);
      await lazy(op.lazy, op.pathspec);
      await git('update-index', `--no-${op.flag}`, '--', op.path);
      return outcomes;
    case 'push':
      // Each side to its own remote and store (world.ts); git-lfs's pre-push hook in the oracle,
      // lfs-lazy's in the subject.
      await git('push', '-q', ...(op.force ? ['--force'] : []), 'origin', 'HEAD');
      return outcomes;
    case 'upstream':
      await pushFromElsewhere(world, side, op.branch, op.path, isLfsPath(op.path) ? lfsContent(op.content) : plainContent(op.content));
      return outcomes;
    case 'pull': {
      // `git pull` as its two steps: its own merge message names the remote's URL, which differs
      // between the sides (world.ts); a merge of origin/<branch> names the ref.
      if ((await git('fetch', '-q', 'origin')) !== 0) return outcomes;
      const upstream = `origin/${op.branch}`;
      if (op.rebase) {
        if ((await git('rebase', '-q', '-X', 'theirs', upstream)) !== 0 && rebaseInProgress(world, side)) await git('rebase', '--abort');
      } else if ((await git('merge', '-q', '--no-edit', '-X', 'theirs', upstream)) !== 0 && (await exists('MERGE_HEAD'))) await git('merge', '--abort');
      return outcomes;
    }
    case 'merge-resolve': {
      // A conflict resolved the way a user does by hand: one side's version of each file written
      // through the filter (`checkout --ours` / `--theirs`), or the file removed where that side
      // deleted it, then staged and committed.
      if ((await git('merge', '-q', '--no-edit', op.branch)) === 0 || !(await exists('MERGE_HEAD'))) return outcomes;
      const unmerged = [...new Set((await world.git(side, ['ls-files', '-u', '-z'])).stdout.toString().split('\0').filter(Boolean).map((line) => line.slice(line.indexOf('\t') + 1)))];
      for (const path of unmerged) {
        if ((await git('checkout', `--${op.take}`, '--', path)) === 0) await git('add', '--', path);
        else await git('rm', '-q', '--', path);
      }
      if ((await git('commit', '-q', '--no-edit')) !== 0) await git('merge', '--abort');
      return outcomes;
    }
    case 'lfs-pull':
      await git('lfs', 'pull');
      return outcomes;
    case 'track':
      await git('lfs', 'track', op.pattern);
      if (op.stage) await git('add', '--', '.gitattributes');
      return outcomes;
    case 'worktree':
      outcomes.push(...(await commitInLinkedWorktree(world, side, op)));
      return outcomes;
  }
}

// Whether the index entry of `path` is the pointer of `content`.
async function indexNames(world: World, side: Side, path: string, content: Buffer): Promise<boolean> {
  const entry = /^\d+ ([0-9a-f]{40}) 0\t/.exec((await world.git(side, ['ls-files', '-s', '--', path])).stdout.toString());
  if (!entry) return false;
  const blob = await world.git(side, ['cat-file', 'blob', entry[1]!]);
  return pointerOid(blob.stdout) === sha256(content);
}

// A rebase stopped on a conflict leaves its state directory (the repositories are not linked
// worktrees, so it is under <dir>/.git).
function rebaseInProgress(world: World, side: Side): boolean {
  return ['rebase-merge', 'rebase-apply'].some((name) => existsSync(join(world.dirs[side], '.git', name)));
}
