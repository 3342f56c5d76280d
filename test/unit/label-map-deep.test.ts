// Label-map values nested 100 000 levels deep (issue 10 item 8): canonicalisation, merge and diff
// must handle any depth in bounded native stack — a label map whose values are deep JSON still
// merges and diffs — and reject deep invalid values as LabelMapFormatError, never a RangeError.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { canonicalDigest } from '../../src/labelmap/canonical-digest.js';
import { canonicalJson } from '../../src/labelmap/canonical-value.js';
import { diffLabelMaps, labelOf } from '../../src/labelmap/diff.js';
import { mergeLabelMaps } from '../../src/labelmap/merge.js';
import { LabelMapFormatError } from '../../src/labelmap/tokenizer.js';

const DEPTH = 100_000;

// [[[ … inner … ]]] with whitespace, and its canonical form.
const deepArray = (inner: string, space = ' '): string => `[${space}`.repeat(DEPTH) + inner + `${space}]`.repeat(DEPTH);
// {"b": 1, "a": {"b": 1, "a": … inner …}}: members out of order at every level (the general path).
const deepObject = (inner: string): string => '{"b": 1, "a": '.repeat(DEPTH) + inner + '}'.repeat(DEPTH);
const deepObjectCanonical = (inner: string): string => '{"a":'.repeat(DEPTH) + inner + ',"b":1}'.repeat(DEPTH);
// {"a": {"a": … }}: members in order (the fast path, as long as it lasts).
const deepSorted = (inner: string): string => '{"a": '.repeat(DEPTH) + inner + '}'.repeat(DEPTH);

const input = (text: string) => () =>
  (async function* () {
    for (let i = 0; i < text.length; i += 65_536) yield text.slice(i, i + 65_536);
  })();

function digest(raw: string): string {
  const out = new Uint32Array(2);
  const bytes = Buffer.from(raw);
  canonicalDigest(bytes, 0, bytes.length, out, 0);
  return `${out[0]}.${out[1]}`;
}

async function mergeText(base: string, ours: string, theirs: string): Promise<{ text: string; conflicts: number }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (d: Buffer) => chunks.push(d));
  const result = await mergeLabelMaps({ base: input(base), ours: input(ours), theirs: input(theirs) }, out);
  out.end();
  return { text: Buffer.concat(chunks).toString(), conflicts: result.conflicts.length };
}

describe(`label-map values nested ${DEPTH} levels deep`, () => {
  it('canonical form of deep arrays and of deep objects with unsorted members', () => {
    assert.equal(canonicalJson(deepArray('"\\u00e9"')), '['.repeat(DEPTH) + '"é"' + ']'.repeat(DEPTH));
    assert.equal(canonicalJson(deepObject('null')), deepObjectCanonical('null'));
    assert.equal(canonicalJson(deepSorted('1')), '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH));
  });

  it('digests: equal for the same value written differently, different when the innermost differs', () => {
    assert.equal(digest(deepArray('1')), digest(deepArray('1', '')));
    assert.notEqual(digest(deepArray('1')), digest(deepArray('2')));
    assert.equal(digest(deepSorted('true')), digest(deepSorted('true').replaceAll(' ', '')));
    assert.notEqual(digest(deepSorted('true')), digest(deepSorted('false')));
    assert.equal(digest(deepObject('[]')), digest(deepObjectCanonical('[]')));
  });

  it('deep invalid values are a LabelMapFormatError', () => {
    for (const raw of ['['.repeat(DEPTH), deepArray('1').slice(0, -1), deepArray('1,'), '{"a":'.repeat(DEPTH) + '1', deepObject('}')]) {
      assert.throws(() => canonicalJson(raw), LabelMapFormatError);
      assert.throws(() => digest(raw), LabelMapFormatError);
    }
  });

  it('merge: a deep value changed on one side is taken, one changed on both sides conflicts', async () => {
    const base = `{"x": ${deepArray('1')}, "y": ${deepObject('1')}, "z": 0}`;
    const ours = `{"x": ${deepArray('1', '')}, "y": ${deepObject('1')}, "z": 1}`;
    const theirs = `{"x": ${deepArray('2')}, "y": ${deepObject('1')}, "z": 0}`;
    const merged = await mergeText(base, ours, theirs);
    assert.equal(merged.conflicts, 0);
    assert.equal(merged.text, `{\n  "x": ${deepArray('2')},\n  "y": ${deepObject('1')},\n  "z": 1\n}\n`);

    const both = await mergeText(base, `{"x": ${deepArray('3')}, "y": ${deepObject('1')}, "z": 0}`, theirs);
    assert.equal(both.conflicts, 1);
  });

  it('diff: a deep value rewritten without change is unchanged; a deep change is listed; labels still read', async () => {
    const before = `{"x": ${deepArray('1')}, "y": {"label": "speech", "deep": ${deepObject('1')}}}`;
    const after = `{"x": ${deepArray('1', '\n')}, "y": {"label": "music", "deep": ${deepObject('2')}}, "w": ${deepSorted('0')}}`;
    const diff = await diffLabelMaps(input(before), input(after));
    assert.deepEqual([diff.unchanged, diff.changed, diff.added, diff.removed], [1, 1, 1, 0]);
    assert.deepEqual(
      diff.changes.map((c) => [c.key, c.change]),
      [
        ['y', 'changed'],
        ['w', 'added'],
      ],
    );
    assert.equal(labelOf(`{"deep": ${deepArray('1')}, "label": "noise"}`, 'label'), 'noise');
  });
});
