// Label maps whose values are JSON nested 100 000 levels deep (issue 10 item 8), end to end: real
// git runs the installed `lfs-json` merge driver (the CLI binary) on them during `git merge`, and
// `lfs-lazy diff` (text and --json) compares them. Both used to die with "Maximum call stack size
// exceeded". Now they merge like any label map, a real conflict is still a conflict with ours kept,
// and nothing prints a stack trace.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';

const DEPTH = 100_000;
const deep = (inner: string): string => '['.repeat(DEPTH) + inner + ']'.repeat(DEPTH);
const deepObject = (inner: string): string => '{"b": 1, "a": '.repeat(DEPTH) + inner + '}'.repeat(DEPTH);
// The value at the bottom of a parsed deepObject(), checking every level on the way down.
function innermost(value: unknown): unknown {
  let v = value;
  for (let d = 0; d < DEPTH; d++) {
    const level = v as { a: unknown; b: unknown };
    assert.equal(level.b, 1);
    v = level.a;
  }
  return v;
}
const mapText = (entries: Array<[string, string]>): string => `{\n${entries.map(([k, v]) => `  ${JSON.stringify(k)}: ${v}`).join(',\n')}\n}\n`;

describe(`label maps with values nested ${DEPTH} levels deep: merge driver and diff`, { timeout: 180_000 }, () => {
  let box: Sandbox;
  let repo: string;
  const git = (args: string[], allowFail = false) => box.git(args, { cwd: repo, allowFail });
  const noStackTrace = (text: string): void => {
    assert.doesNotMatch(text, /Maximum call stack|RangeError|\n\s+at /, text.slice(0, 2000));
  };

  const base = mapText([
    ['x', deep('1')],
    ['y', deepObject('"speech"')],
    ['z', '{"label": "noise"}'],
  ]);

  before(async () => {
    box = await makeSandbox();
    repo = join(box.root, 'repo');
    await box.git(['init', '-q', '-b', 'main', repo]);
    await box.cli(['install', '--local'], { cwd: repo });
    await box.cli(['install', '--url', `file://${join(box.root, 'store')}`], { cwd: repo });
    await writeFile(join(repo, '.gitattributes'), '*.json filter=lfs diff=lfs merge=lfs-json -text\n');
    await writeFile(join(repo, 'labels.json'), base);
    await git(['add', '.']);
    await git(['commit', '-q', '-m', 'base']);
  });
  after(() => box.cleanup());

  async function commitOn(branch: string, from: string, text: string): Promise<void> {
    await git(['checkout', '-q', '-B', branch, from]);
    await writeFile(join(repo, 'labels.json'), text);
    await git(['commit', '-q', '-am', `labels on ${branch}`]);
  }

  it('git merge: a deep value changed on one side, another key on the other: merged key by key', async () => {
    await commitOn('theirs', 'main', mapText([['x', deep('2')], ['y', deepObject('"speech"')], ['z', '{"label": "noise"}']]));
    await commitOn('ours', 'main', mapText([['x', deep('1')], ['y', deepObject('"speech"')], ['z', '{"label": "music"}']]));
    const merge = await git(['merge', '--no-edit', 'theirs'], true);
    noStackTrace(merge.stdout + merge.stderr);
    assert.equal(merge.code, 0, merge.stdout + merge.stderr);
    const merged = (await box.cli(['cat', 'labels.json'], { cwd: repo })).stdout;
    assert.equal(merged, mapText([['x', deep('2')], ['y', deepObject('"speech"')], ['z', '{"label": "music"}']]));
  });

  it('git merge: the same deep value changed differently on both sides: a conflict, ours kept, one line', async () => {
    const ours = mapText([['x', deep('1')], ['y', deepObject('"music"')], ['z', '{"label": "noise"}']]);
    await commitOn('theirs2', 'main', mapText([['x', deep('1')], ['y', deepObject('"noise"')], ['z', '{"label": "noise"}']]));
    await commitOn('ours2', 'main', ours);
    const merge = await git(['merge', '--no-edit', 'theirs2'], true);
    noStackTrace(merge.stdout + merge.stderr);
    assert.notEqual(merge.code, 0);
    assert.match(merge.stderr + merge.stdout, /lfs-lazy merge-driver: labels\.json: 1 conflicting key: "y" \(modified-both\); kept ours/);
    assert.equal((await box.cli(['cat', 'labels.json'], { cwd: repo })).stdout, ours);
    await git(['merge', '--abort']);
  });

  it('lfs-lazy diff and diff --json compare deep values', async () => {
    await git(['checkout', '-q', 'main']);
    await writeFile(join(repo, 'labels.json'), mapText([['x', deep(' 1 ')], ['y', deepObject('"music"')], ['z', '{"label": "noise"}']]));
    const text = await box.cli(['diff', '--', 'labels.json'], { cwd: repo, allowFail: true });
    noStackTrace(text.stdout + text.stderr);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /keys: 3 → 3: 0 added, 0 removed, 1 changed, 2 unchanged/);

    const json = await box.cli(['diff', '--json', '--', 'labels.json'], { cwd: repo, allowFail: true });
    noStackTrace(json.stdout + json.stderr);
    assert.equal(json.code, 0, json.stderr);
    // (JSON.parse reads any depth; only JSON.stringify recurses.)
    const summary = JSON.parse(json.stdout) as { changed: number; unchanged: number; changes: Array<{ key: string; before: unknown; after: unknown }> };
    assert.deepEqual([summary.changed, summary.unchanged, summary.changes.map((c) => c.key)], [1, 2, ['y']]);
    assert.equal(innermost(summary.changes[0]!.before), 'speech');
    assert.equal(innermost(summary.changes[0]!.after), 'music');
  });
});
