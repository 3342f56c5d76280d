// Chooses the next operation from the seeded PRNG and the oracle's current state (the oracle is
// plain git: its state is the model of what a user sees), so a seed always gives the same steps.
import { INDEX_FLAGS, TEXT_PATTERNS, UPSTREAM_BRANCHES, type Op, type OpKind } from './operations.js';
import type { Prng } from './prng.js';
import type { Snapshot } from './snapshot.js';
import { DIRECTORIES, isLfsPath, LFS_PATHS, UNIVERSE } from './universe.js';

const BRANCHES = ['main', 'side', 'b1', 'b2'];

const WEIGHTS: Record<OpKind, number> = {
  edit: 22, add: 4, commit: 10, branch: 3, switch: 10, merge: 5, rebase: 4, 'cherry-pick': 4,
  stash: 6, 'stash-pop': 12, 'reset-hard': 3, restore: 3, rm: 3, mv: 3, 'sparse-set': 3,
  'sparse-disable': 3, hydrate: 7, dehydrate: 6, prune: 4,
  amend: 3, revert: 2, reset: 3, unstage: 2, 'checkout-from': 3, 'stash-apply': 3, 'stash-drop': 2, clean: 2, flagged: 5,
  push: 4, upstream: 3, pull: 4, 'merge-resolve': 4, 'lfs-pull': 2,
  // Only when asked for (`npm run fuzz -- --track --worktree`): a weight of 0 here leaves every
  // other seed's steps as they were (`npm test` runs fixed seeds).
  track: 0, worktree: 0,
};
// The weights of the steps a run asks for.
export const OPT_IN_WEIGHTS = { track: 2, worktree: 3 } as const;
export type OptInKind = keyof typeof OPT_IN_WEIGHTS;

export class Generator {
  private fresh = 0;
  // Content ids written so far, so that edits sometimes repeat content (duplicate objects).
  private readonly contents = ['init-1', 'init-2', 'init-3', 'init-5', 'init-6', 'init-8'];
  // LFS paths written lately: hydrate and dehydrate often name one of them, since an edit that
  // meets a (de)hydration is where data gets lost.
  private edited: string[] = [];
  // Once a `track` step has run, a text file may be an LFS file too (in some commit, the index or
  // the working tree): the guards below then count it as one.
  private textTracked = false;

  constructor(
    private readonly prng: Prng,
    private readonly seed: number,
    private readonly skip: ReadonlySet<OpKind> = new Set(),
    private readonly optIn: ReadonlySet<OptInKind> = new Set(),
  ) {}

  next(step: number, state: Snapshot): Op {
    const weights: Record<OpKind, number> = { ...WEIGHTS };
    for (const kind of this.optIn) weights[kind] = OPT_IN_WEIGHTS[kind];
    const tracked = indexPaths(state.index);
    const inCone = (path: string) => state.sparse === null || !path.includes('/') || state.sparse.some((d) => path.startsWith(`${d}/`));
    const present = [...state.files.keys()].filter((p) => UNIVERSE.includes(p));
    const branchesHere = BRANCHES.filter((b) => state.refs.includes(`refs/heads/${b}\n`));
    const others = branchesHere.filter((b) => b !== state.branch);
    // (stash-pop weighs double: popped soon, the edits a stash holds still matter.)
    if (state.stashes.length === 0) weights['stash-pop'] = weights['stash-apply'] = weights['stash-drop'] = 0;
    if (state.sparse === null) weights['sparse-disable'] = 0;
    if (others.length === 0) for (const k of ['switch', 'merge', 'rebase', 'cherry-pick', 'merge-resolve', 'worktree'] as const) weights[k] = 0;
    if (branchesHere.length === BRANCHES.length) weights.branch = 0;
    if (branchesHere.length === 0) weights['checkout-from'] = 0;
    if (present.length === 0) weights.restore = weights.mv = 0;
    if (tracked.length === 0) weights.rm = weights.unstage = 0;
    if (!tracked.some(isLfsPath)) weights.flagged = 0;
    const mayBeLfs = (path: string): boolean => isLfsPath(path) || this.textTracked;
    // `git lfs prune` ignores the index: it deletes the object of a staged, uncommitted LFS file,
    // and the oracle (git-lfs) then fails to check that file out again while lfs-lazy leaves its
    // pointer. Both lost the content the same way; past that point git-lfs is no oracle.
    if (state.staged.some(mayBeLfs)) weights.prune = 0;
    // `git lfs pull` writes files outside a sparse-checkout cone, and re-creates a file whose
    // deletion is staged and then fails to update the index ("cannot add to the index"), leaving
    // every file it wrote stat-dirty. Over git-lfs's content that shows nowhere; over a lazy
    // pointer, git trusts the size it recorded and lists the file as modified, its content right
    // (docs/reliability.md; `lfs-lazy hydrate` of the file, or `git add`, clears it).
    if (state.sparse !== null || state.staged.some(mayBeLfs)) weights['lfs-pull'] = 0;
    for (const kind of this.skip) weights[kind] = 0;
    const kind = this.prng.weighted(weights);
    switch (kind) {
      case 'edit': {
        const path = this.prng.pick(UNIVERSE.filter(inCone));
        if (isLfsPath(path)) this.edited = [path, ...this.edited.filter((p) => p !== path)].slice(0, 3);
        return { kind, path, content: isLfsPath(path) ? this.lfsContentId() : `s${this.seed}-${++this.fresh}` };
      }
      case 'add': return { kind, path: this.prng.chance(0.5) ? null : this.prng.pick(UNIVERSE.filter(inCone)) };
      case 'commit': return { kind, all: this.prng.chance(0.7), message: `step ${step}` };
      case 'branch': return { kind, name: this.prng.pick(BRANCHES.filter((b) => !branchesHere.includes(b))) };
      case 'switch': return { kind, branch: this.prng.pick(others), force: this.prng.chance(0.15) };
      case 'merge': return { kind, branch: this.prng.pick(others), squash: this.prng.chance(0.25) };
      case 'rebase': return { kind, onto: this.prng.pick(others), autostash: this.prng.chance(0.5) };
      case 'cherry-pick': return { kind, branch: this.prng.pick(others) };
      case 'stash': return { kind, untracked: this.prng.chance(0.3), keepIndex: this.prng.chance(0.2), path: this.prng.chance(0.2) ? this.prng.pick(UNIVERSE.filter(inCone)) : null };
      case 'stash-pop': return { kind };
      case 'reset-hard': return { kind, target: this.prng.chance(0.3) ? 'HEAD~1' : 'HEAD' };
      case 'restore': return { kind, path: this.prng.pick(present) };
      case 'rm': return { kind, path: this.prng.pick(tracked), cached: this.prng.chance(0.3) };
      case 'mv': {
        const from = this.prng.pick(present);
        const candidates = UNIVERSE.filter((p) => inCone(p) && isLfsPath(p) === isLfsPath(from) && !state.files.has(p));
        // Every path taken: nothing to move to, so an `add -A` instead.
        return candidates.length > 0 ? { kind, from, to: this.prng.pick(candidates) } : { kind: 'add', path: null };
      }
      case 'sparse-set': return { kind, dirs: DIRECTORIES.filter(() => this.prng.chance(0.5)) };
      case 'sparse-disable': return { kind };
      case 'hydrate':
      case 'dehydrate': return { kind, pathspec: this.pathspec() };
      case 'prune': return { kind };
      case 'amend': return { kind, all: this.prng.chance(0.5) };
      case 'revert': return { kind };
      case 'reset': return { kind, mode: this.prng.chance(0.5) ? 'soft' : 'mixed', target: this.prng.chance(0.5) ? 'HEAD~1' : 'HEAD' };
      case 'unstage': return { kind, path: this.prng.pick(tracked) };
      // Any path of the universe: one the branch does not have makes both repositories fail alike.
      case 'checkout-from': return { kind, branch: this.prng.pick(others.length > 0 ? others : branchesHere), path: this.prng.pick(UNIVERSE.filter(inCone)) };
      case 'stash-apply': return { kind };
      case 'stash-drop': return { kind };
      case 'clean': return { kind };
      // The flagged file is often what the command names: that is where it writes a flagged file.
      case 'flagged': {
        const path = this.prng.pick(tracked.filter(isLfsPath));
        return { kind, path, flag: this.prng.pick(INDEX_FLAGS), lazy: this.prng.chance(0.5) ? 'hydrate' : 'dehydrate', pathspec: this.prng.chance(0.6) ? path : this.pathspec() };
      }
      // Forced now and then: an amended or rebased branch is refused otherwise, in both alike.
      case 'push': return { kind, force: this.prng.chance(0.3) };
      // Often a path this clone edited or hydrated: where someone else's change meets the user's.
      case 'upstream': {
        const path = this.prng.chance(0.5) && this.edited.length > 0 ? this.prng.pick(this.edited) : this.prng.pick(UNIVERSE);
        return { kind, branch: this.prng.pick(UPSTREAM_BRANCHES), path, content: isLfsPath(path) ? this.lfsContentId() : `s${this.seed}-${++this.fresh}` };
      }
      case 'pull': return { kind, branch: this.prng.pick(UPSTREAM_BRANCHES), rebase: this.prng.chance(0.3) };
      case 'merge-resolve': return { kind, branch: this.prng.pick(others), take: this.prng.chance(0.5) ? 'ours' : 'theirs' };
      case 'lfs-pull': return { kind };
      case 'track':
        this.textTracked = true;
        return { kind, pattern: this.prng.pick(TEXT_PATTERNS), stage: this.prng.chance(0.5) };
      // Another branch, checked out in a linked worktree; often a path this clone edited.
      case 'worktree': {
        const path = this.prng.chance(0.5) && this.edited.length > 0 ? this.prng.pick(this.edited) : this.prng.pick(LFS_PATHS);
        return { kind, branch: this.prng.pick(others), path, content: this.lfsContentId(), hydrate: this.prng.chance(0.4) };
      }
    }
  }

  private lfsContentId(): string {
    if (this.prng.chance(0.3)) return this.prng.pick(this.contents);
    const id = `s${this.seed}-${++this.fresh}`;
    this.contents.push(id);
    return id;
  }

  private pathspec(): string {
    const roll = this.prng.below(10);
    if (roll === 0) return '.';
    if (roll === 1) return this.prng.pick(DIRECTORIES);
    if (roll < 6 && this.edited.length > 0) return this.prng.pick(this.edited);
    return this.prng.pick(LFS_PATHS);
  }
}

function indexPaths(index: string): string[] {
  return [...new Set(index.split('\n').filter(Boolean).map((line) => line.slice(line.indexOf('\t') + 1)))].filter((p) => UNIVERSE.includes(p));
}
