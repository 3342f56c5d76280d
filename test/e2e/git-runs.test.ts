// The git work of one command (issue 13): each asks git where the repository is once — one
// `git rev-parse` — however many parts of it need the answer (the pathspecs' prefix, the index file
// whose stat data hydrate records, the settings). Counted from git's own trace of a real run.
import assert from 'node:assert/strict';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';
import { makeLocalLfsRepo } from '../helpers/local-lfs-repo.js';

describe('git runs of a command', () => {
  let box: Sandbox;
  let repo: string;
  const trace = (): string => join(box.root, 'git-trace.txt');

  before(async () => {
    box = await makeSandbox();
    repo = await makeLocalLfsRepo(box);
    await mkdir(join(repo, 'data', 'sub'), { recursive: true });
    await writeFile(join(repo, 'data', 'sub', 'a.bin'), 'content a\n');
    await box.git(['add', '.'], { cwd: repo });
    await box.git(['commit', '-q', '-m', 'one LFS file, its object local'], { cwd: repo });
    // dehydrate makes pointers only of content the bucket has: pushed to a file:// store.
    await box.git(['config', 'lfs-lazy.url', `file://${join(box.root, 'store')}`], { cwd: repo });
    await box.git(['init', '-q', '--bare', join(box.root, 'remote.git')]);
    await box.git(['push', '-q', join(box.root, 'remote.git'), 'HEAD'], { cwd: repo });
  });
  after(() => box?.cleanup());

  // The git commands one lfs-lazy run started itself, as git traced them.
  async function gitRuns(args: string[], cwd: string): Promise<string[]> {
    await rm(trace(), { force: true });
    await box.cli(args, { cwd, env: { GIT_TRACE: trace() } });
    return (await readFile(trace(), 'utf8')).split('\n').flatMap((line) => /trace: built-in: (git .*)$/.exec(line)?.[1] ?? []);
  }

  it('hydrate that writes a file and records its stat data in the index: one rev-parse', async () => {
    await box.cli(['dehydrate', 'data/sub/a.bin'], { cwd: repo });
    const runs = await gitRuns(['hydrate', 'a.bin'], join(repo, 'data', 'sub'));
    assert.equal(await readFile(join(repo, 'data', 'sub', 'a.bin'), 'utf8'), 'content a\n');
    assert.equal(runs.filter((r) => r.startsWith('git rev-parse')).length, 1, runs.join('\n'));
    assert.equal((await box.git(['status', '--porcelain'], { cwd: repo })).stdout, '');
  });

  for (const args of [['status'], ['dehydrate', 'a.bin'], ['path', 'a.bin'], ['cat', 'a.bin']]) {
    it(`${args[0]}, from a subdirectory: one rev-parse`, async () => {
      const runs = await gitRuns(args, join(repo, 'data', 'sub'));
      assert.equal(runs.filter((r) => r.startsWith('git rev-parse')).length, 1, runs.join('\n'));
    });
  }
});
