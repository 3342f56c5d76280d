// The differential, model-based test: random but seeded sequences of git operations (edit, add,
// commit, branch, checkout, merge, rebase, cherry-pick, stash and pop, reset --hard, restore, rm,
// mv, sparse-checkout, hydrate, dehydrate, git lfs prune) run in a repository with plain git-lfs
// (the oracle) and one with lfs-lazy; after every step, each lfs-lazy file must be the oracle's
// bytes or, where the lazy policy allows it, their exact pointer, `git status`, the index, HEAD
// and the stashes must agree, and no content may be lost. The driver is in test/differential/;
// `npm run fuzz` runs many more sequences. Three more seeds play the opt-in steps too (`git lfs
// track` half-way, a commit in a linked worktree), one per starting point between them.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runSequence } from '../differential/runner.js';
import { disposeAll } from '../differential/world.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const STEPS = 20;
// Seeds whose 20 steps include an opt-in step that succeeds in the oracle (checked below).
const OPT_IN_SEEDS = [11, 12, 13];
const OPT_IN = new Set(['track', 'worktree'] as const);

describe('differential test against plain git-lfs', { timeout: 600_000 }, () => {
  after(() => disposeAll());

  for (const seed of SEEDS) {
    it(`seed ${seed}: ${STEPS} steps agree with git-lfs`, { timeout: 180_000 }, async () => {
      const result = await runSequence(seed, { steps: STEPS });
      // The report alone (seed, steps, differing files): a diff of the result object would bury it.
      if (result.failure) assert.fail(result.failure.report);
      // These seeds never reach a point where git-lfs itself loses content (which would end a
      // sequence early): all their steps are compared.
      assert.equal(result.stopped, null);
      assert.equal(result.steps.length, STEPS);
    });
  }

  for (const seed of OPT_IN_SEEDS) {
    it(`seed ${seed} with \`git lfs track\` and linked-worktree steps: ${STEPS} steps agree with git-lfs`, { timeout: 180_000 }, async () => {
      const result = await runSequence(seed, { steps: STEPS, optIn: OPT_IN });
      if (result.failure) assert.fail(result.failure.report);
      assert.equal(result.stopped, null);
      assert.equal(result.steps.length, STEPS);
      // The seed still plays what it is here for: an opt-in step that did its work in the oracle.
      const played = result.steps.flatMap((op, i) => (op.kind === 'track' || op.kind === 'worktree' ? [result.commands[i]!] : []));
      assert.ok(played.some((c) => /git lfs track \S+ → 0|git commit \(in the worktree\) → 0/.test(c)), `no opt-in step did its work: ${played.join(' | ') || 'none played'}`);
    });
  }
});
