// The differential, model-based test: random but seeded sequences of git operations (edit, add,
// commit, branch, checkout, merge, rebase, cherry-pick, stash and pop, reset --hard, restore, rm,
// mv, sparse-checkout, hydrate, dehydrate, git lfs prune) run in a repository with plain git-lfs
// (the oracle) and one with lfs-lazy; after every step, each lfs-lazy file must be the oracle's
// bytes or, where the lazy policy allows it, their exact pointer, `git status`, the index, HEAD
// and the stashes must agree, and no content may be lost. The driver is in test/differential/;
// `npm run fuzz` runs many more sequences.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runSequence } from '../differential/runner.js';
import { disposeAll } from '../differential/world.js';

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
const STEPS = 20;

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
});
