// What the test itself remembers about the subject, to know where a pointer is allowed:
// - the hydration policy the user set: `hydrate P` selects the paths P names, `dehydrate P`
//   excludes them (the last matching command wins, as the last matching pattern does);
// - the subject's files after the previous step, so that a pointer the step did not write (a
//   file git left alone) is not blamed on it.
import { lazyCommandOf, type Op } from './operations.js';

interface Rule {
  pathspec: string;
  include: boolean;
}

// Literal pathspecs only (the generator makes no others): '.' is everything, a directory what is
// below it, a file itself.
export const pathspecMatches = (pathspec: string, path: string): boolean =>
  pathspec === '.' || path === pathspec || path.startsWith(`${pathspec}/`);

export class SubjectModel {
  private readonly rules: Rule[] = [];
  previousFiles = new Map<string, Buffer>();

  private lastRule(path: string): Rule | undefined {
    return this.rules.findLast((rule) => pathspecMatches(rule.pathspec, path));
  }

  selected(path: string): boolean {
    return this.lastRule(path)?.include === true;
  }

  dehydrated(path: string): boolean {
    return this.lastRule(path)?.include === false;
  }

  // Before the step's checks: what the step did to the policy and, for a rename, which file the
  // new path held before (git mv moves the file, it does not check it out).
  beforeChecks(op: Op, succeeded: boolean): void {
    const lazy = lazyCommandOf(op);
    if (lazy) this.rules.push({ pathspec: lazy.pathspec, include: lazy.command === 'hydrate' });
    // A hydrate in a linked worktree selects the path for every worktree (the hydrated set is the
    // repository's), for their later checkouts; it writes no file here. Counted only when every
    // command of the step succeeded, so that the model never asks for more than lfs-lazy was told.
    if (op.kind === 'worktree' && op.hydrate && succeeded) this.rules.push({ pathspec: op.path, include: true });
    if (op.kind === 'mv' && succeeded) {
      const moved = this.previousFiles.get(op.from);
      this.previousFiles.delete(op.from);
      if (moved) this.previousFiles.set(op.to, moved);
    }
  }

  policySummary(): string {
    return this.rules.length === 0 ? '(empty)' : this.rules.map((r) => `${r.include ? '' : '!'}${r.pathspec}`).join(' ');
  }
}
