// `git lfs untrack` in a lazy clone. git-lfs's own way out of LFS (untrack, then `git add
// --renormalize .`) commits what the working tree holds; in a lazy clone that is the pointer text,
// and git shows no change to warn of it. lfs-lazy status names such files, hydrate says why it
// leaves them, and the way it gives (track again, hydrate, untrack, renormalize) commits the content.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';
import type { StatusReport } from '../../src/hydration/status.js';

const FILES = [
  { path: 'labels/a.json', content: fileContent(1, 3_000) },
  { path: 'labels/b.json', content: fileContent(2, 4_000) },
  { path: 'data/x.bin', content: fileContent(3, 5_000) },
];

describe('leaving LFS (git lfs untrack) in a lazy clone', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let clone: string;
  const git = async (args: string[]) => (await fx.box.git(args, { cwd: clone })).stdout;
  const read = (path: string) => readFile(join(clone, path));
  const pointerOf = async (path: string) => Buffer.from(await git(['cat-file', 'blob', `HEAD:${path}`]), 'latin1');

  before(async () => {
    fx = await makeLfsFixture({ files: FILES });
    clone = await fx.clone('clone');
    await git(['lfs', 'untrack', '*.json']);
  });
  after(() => fx?.cleanup());

  it('git shows no change, and lfs-lazy status names the files that hold only their pointer text', async () => {
    // What makes it a trap: the pointer files are unmodified to git, the content nowhere in sight.
    assert.equal(await git(['status', '--porcelain']), ' M .gitattributes\n');
    assert.ok((await read('labels/a.json')).equals(await pointerOf('labels/a.json')));
    const result = await fx.box.cli(['status', '--json'], { cwd: clone });
    const report = JSON.parse(result.stdout) as StatusReport;
    assert.deepEqual(report.files.map((f) => f.path), ['data/x.bin']);
    assert.deepEqual(report.outsideLfs, ['labels/a.json', 'labels/b.json']);
    assert.match(result.stderr, /2 files hold an LFS pointer as their committed text but are not sent through LFS by \.gitattributes, so to git that text is their content: labels\/a\.json, labels\/b\.json\. .*track them again and hydrate before untracking/);
    const one = await fx.box.cli(['status', 'labels/a.json'], { cwd: clone });
    assert.match(one.stderr, /1 file holds an LFS pointer as its committed text but is not sent through LFS .*: labels\/a\.json\. .*track it again/);
  });

  it('hydrate of such a file says why it leaves it, and how to give it its content', async () => {
    const result = await fx.box.cli(['hydrate', 'labels/a.json'], { cwd: clone, allowFail: true });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /pathspec 'labels\/a\.json' did not match any LFS file: 'labels\/a\.json' holds an LFS pointer as its committed text, but \.gitattributes does not send it through LFS.*track it again \(`git lfs track`\) and hydrate it/);
    assert.ok((await read('labels/a.json')).equals(await pointerOf('labels/a.json')), 'left as it was');
  });

  it('track again, hydrate, untrack, renormalize: the commit holds the content as a plain file', async () => {
    await git(['lfs', 'track', '*.json']);
    await fx.box.cli(['hydrate', 'labels'], { cwd: clone });
    await git(['lfs', 'untrack', '*.json']);
    await git(['add', '--renormalize', '.']);
    await git(['commit', '-q', '-m', 'labels out of LFS']);
    for (const file of FILES.filter((f) => f.path.endsWith('.json'))) {
      assert.ok(Buffer.from(await git(['cat-file', 'blob', `HEAD:${file.path}`]), 'latin1').equals(file.content), `${file.path} committed with its content`);
    }
    const after = JSON.parse((await fx.box.cli(['status', '--json'], { cwd: clone })).stdout) as StatusReport;
    assert.deepEqual(after.outsideLfs, []);
    assert.equal(await git(['status', '--porcelain']), '');
  });
});
