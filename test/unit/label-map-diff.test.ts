import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { diffLabelMaps, labelOf } from '../../src/labelmap/diff.js';

const input = (text: string) => () =>
  (async function* () {
    for (let i = 0; i < text.length; i += 5) yield text.slice(i, i + 5);
  })();

describe('label-map diff', () => {
  it('counts added, removed, changed and unchanged keys and lists the first changes', async () => {
    const before = '{"a": {"label": "speech"}, "b": {"label": "music"}, "c": {"label": "noise"}, "d": "speech"}';
    const after = '{"a": {"label":"speech"}, "c": {"label": "speech", "extra": 1}, "e": {"label": "music"}, "d": "speech", "f": 7}';
    const diff = await diffLabelMaps(input(before), input(after));
    assert.deepEqual(
      { ...diff, labels: undefined, changes: undefined },
      { keysBefore: 4, keysAfter: 5, added: 2, removed: 1, changed: 1, unchanged: 2, labelField: 'label', labels: undefined, changes: undefined, truncated: false },
    );
    assert.deepEqual(diff.changes, [
      { key: 'c', change: 'changed', before: '{"label": "noise"}', after: '{"label": "speech", "extra": 1}' },
      { key: 'e', change: 'added', after: '{"label": "music"}' },
      { key: 'f', change: 'added', after: '7' },
      { key: 'b', change: 'removed', before: '{"label": "music"}' },
    ]);
    assert.deepEqual(diff.labels, [
      { label: 'speech', before: 2, after: 3 },
      { label: 'music', before: 1, after: 1 },
      { label: '7', before: 0, after: 1 },
      { label: 'noise', before: 1, after: 0 },
    ]);
  });

  it('limits the list and says so', async () => {
    const diff = await diffLabelMaps(input('{}'), input('{"a": 1, "b": 2, "c": 3}'), { limit: 2 });
    assert.deepEqual(diff.changes.map((c) => c.key), ['a', 'b']);
    assert.equal(diff.truncated, true);
    assert.equal(diff.added, 3);
  });

  it('an absent side is an empty map; a custom label field', async () => {
    const diff = await diffLabelMaps(undefined, input('{"x": {"cls": "cat"}, "y": {"cls": "dog"}, "z": [1]}'), { labelField: 'cls' });
    assert.equal(diff.added, 3);
    assert.deepEqual(diff.labels, [
      { label: 'cat', before: 0, after: 1 },
      { label: 'dog', before: 0, after: 1 },
      { label: null, before: 0, after: 1 },
    ]);
    const gone = await diffLabelMaps(input('{"x": 1}'), undefined);
    assert.deepEqual([gone.removed, gone.keysAfter], [1, 0]);
  });

  it('labels: strings, scalars, the label member, nothing for the rest', () => {
    assert.equal(labelOf('"speech"', 'label'), 'speech');
    assert.equal(labelOf('"caf\\u00e9"', 'label'), 'café');
    assert.equal(labelOf('3', 'label'), '3');
    assert.equal(labelOf('null', 'label'), 'null');
    assert.equal(labelOf('{"label": "x", "n": 1}', 'label'), 'x');
    assert.equal(labelOf('{"label": 2}', 'label'), '2');
    assert.equal(labelOf('{"label": ["x"]}', 'label'), null);
    assert.equal(labelOf('{"n": 1}', 'label'), null);
    assert.equal(labelOf('["x"]', 'label'), null);
    assert.equal(labelOf('{ "a": {"label": "inner"}, "label" : "outer" }', 'label'), 'outer');
    assert.equal(labelOf('{"a": "}\\"[", "b": [{"label": 1}], "label": "x"}', 'label'), 'x');
    assert.equal(labelOf('{"label": "a", "label": "b"}', 'label'), 'b');
    assert.equal(labelOf('{"label": "caf\\u00e9"}', 'label'), 'café');
    assert.equal(labelOf('{"lab\\u0065l": "y"}', 'label'), 'y');
    assert.equal(labelOf('{"label": -1.5e3}', 'label'), '-1.5e3');
    assert.equal(labelOf('{"label":true}', 'label'), 'true');
    assert.equal(labelOf('{"label": {"x": 1}}', 'label'), null);
    assert.equal(labelOf('{}', 'label'), null);
    assert.equal(labelOf('{"cls": "dog", "label": "x"}', 'cls'), 'dog');
  });

  it('rejects invalid maps', async () => {
    await assert.rejects(diffLabelMaps(input('{"a": 1}'), input('[]')), /after: a label map must be a JSON object/);
    await assert.rejects(diffLabelMaps(input('{"a": 1, "a": 2}'), input('{}')), /before: the key "a" appears more than once/);
  });

  it('both sides invalid: names the before side, even when the after side fails first, and only once both reads have ended', async () => {
    // The before side's first chunk waits a turn of the event loop. The after side's chunk comes
    // at once, and the scanner rejects it in the same run of microtasks: the order a slow git read
    // and a fast file read can take.
    let afterRead = false;
    let beforeEnded = false;
    const before = () =>
      (async function* () {
        try {
          await new Promise((resolve) => setImmediate(resolve));
          assert.equal(afterRead, true);
          yield '[1]';
        } finally {
          beforeEnded = true;
        }
      })();
    const after = () =>
      (async function* () {
        afterRead = true;
        yield '[';
      })();
    await assert.rejects(diffLabelMaps(before, after), (err: Error) => {
      assert.match(err.message, /^before: a label map must be a JSON object/);
      return true;
    });
    assert.equal(beforeEnded, true);
  });

  it('gives the same answer for inputs in key order, out of order, and sorted through runs on disk', async () => {
    let seed = 7;
    const rnd = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    const labels = ['speech', 'music', 'caf\u00e9', 7, null];
    const value = () => ({ label: labels[Math.floor(rnd() * labels.length)]!, n: Math.floor(rnd() * 3) });
    const before: Array<[string, unknown]> = [];
    const after: Array<[string, unknown]> = [];
    for (let i = 0; i < 400; i++) {
      const key = `k${String(i).padStart(4, '0')}${i % 17 === 0 ? '\u00e9' : ''}`;
      const v = value();
      const r = rnd();
      if (r < 0.8) before.push([key, v]);
      if (r < 0.1) after.push([key, value()]);
      else if (r < 0.7) after.push([key, v]);
      else if (r >= 0.8) after.push([key, value()]);
    }
    const text = (entries: Array<[string, unknown]>) => JSON.stringify(Object.fromEntries(entries));
    const shuffled = <T>(xs: T[]): T[] => xs.map((x) => [rnd(), x] as const).sort((a, b) => a[0] - b[0]).map(([, x]) => x);
    const sorted = await diffLabelMaps(input(text(before)), input(text(after)), { limit: 1000 });
    let sorts = 0;
    const inMemory = await diffLabelMaps(input(text(shuffled(before))), input(text(shuffled(after))), { limit: 1000, onSort: () => sorts++ });
    let runs = 0;
    const onDisk = await diffLabelMaps(input(text(shuffled(before))), input(text(shuffled(after))), { limit: 1000, memoryBudget: 500, onSort: (_side, n) => (runs += n) });
    assert.equal(sorts, 2);
    assert.ok(runs > 10, `runs written: ${runs}`);
    const summary = (d: typeof sorted) => ({ ...d, changes: [...d.changes].sort((x, y) => (x.key < y.key ? -1 : 1)) });
    assert.deepEqual(summary(inMemory), summary(sorted));
    assert.deepEqual(summary(onDisk), summary(sorted));
    assert.ok(sorted.changed > 20 && sorted.added > 20 && sorted.removed > 20 && sorted.unchanged > 100, JSON.stringify({ ...sorted, changes: [] }));
    // Listed in the order of each side: added and changed as `after` has them, then removed as in `before`.
    const positions = (entries: Array<[string, unknown]>) => new Map(entries.map(([k], i) => [k, i]));
    for (const d of [sorted]) {
      const afterAt = positions(after);
      const listed = d.changes.filter((c) => c.change !== 'removed').map((c) => afterAt.get(c.key)!);
      assert.deepEqual(listed, [...listed].sort((a, b) => a - b));
    }
  });

  it('lists the first changes of each side in its own order when the input is not in key order', async () => {
    const diff = await diffLabelMaps(input('{"z": 1, "y": 1, "x": 1}'), input('{"c": 1, "b": 1, "a": 1, "y": 2}'), { limit: 5, memoryBudget: 10 });
    assert.deepEqual(
      diff.changes.map((c) => [c.key, c.change]),
      [
        ['c', 'added'],
        ['b', 'added'],
        ['a', 'added'],
        ['y', 'changed'],
        ['z', 'removed'],
      ],
    );
    assert.equal(diff.truncated, true);
  });
});
