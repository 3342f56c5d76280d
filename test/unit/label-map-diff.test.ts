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
});
