// The hydration policy over its three sources, read from a real repository: the committed
// .lfslazyconfig, the clone's hydrated set, LFS_LAZY_HYDRATE. A pattern git cannot match with, in
// any of them, is ignored and named once; it never makes the policy throw.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HydratedSet } from '../../src/hydration/hydrated-set.js';
import { HydrationPolicy } from '../../src/hydration/hydration-policy.js';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';

describe('HydrationPolicy', () => {
  let box: Sandbox;
  let repo: string;

  before(async () => {
    box = await makeSandbox();
    repo = join(box.root, 'repo');
    await box.git(['init', '-q', repo]);
    // A quoted value in git's config syntax is the quoted pattern form of the hydrated set.
    const config = ['[lfs-lazy]', '\thydrate = data/*', '\thydrate = [z-a]*', '\thydrate = "\\"#x.bin\\""', '\thydrate = !data/skip.bin'];
    await writeFile(join(repo, '.lfslazyconfig'), `${config.join('\n')}\n`);
    await mkdir(join(repo, '.git', 'lfs-lazy'));
    await writeFile(HydratedSet.fileFor(join(repo, '.git')), '!data/a.bin\n"!imp.bin"\n');
  });
  after(() => box.cleanup());

  it('decides through the last matching rule of all three sources, and ignores what git cannot match with', async () => {
    const policy = await HydrationPolicy.load({ commonDir: join(repo, '.git'), worktree: repo }, { LFS_LAZY_HYDRATE: 'models/*, [[:nope:]]*' });
    const expected = {
      'data/b.bin': 'selected',
      'data/a.bin': 'excluded', // the clone's own set beats the committed default
      'data/skip.bin': 'excluded',
      'models/m.bin': 'selected',
      '#x.bin': 'selected',
      '!imp.bin': 'selected',
      'imp.bin': 'unset',
      'z.bin': 'unset',
      'nope.bin': 'unset',
    } as const;
    for (const [path, selection] of Object.entries(expected)) {
      assert.equal(policy.decide(path), selection, path);
      assert.equal(policy.has(path), selection === 'selected', path);
    }
    assert.deepEqual(policy.problems, [
      'ignoring the pattern "[z-a]*" in .lfslazyconfig (hydrate =): the range z-a is reversed (git would match only "z" with it)',
      'ignoring the pattern "[[:nope:]]*" in LFS_LAZY_HYDRATE: [:nope:] is not a character class (alnum, alpha, blank, cntrl, digit, graph, lower, print, punct, space, upper, xdigit)',
    ]);
  });
});
