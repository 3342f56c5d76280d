// Inputs out of key order, sorted through runs on disk: members bigger than a run block, keys whose
// escapes decode to the byte order they sort by, and values split across every chunk size.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { diffLabelMaps } from '../../src/labelmap/diff.js';
import { mergeLabelMaps } from '../../src/labelmap/merge.js';

const input = (text: string, chunk = 4096) => () =>
  (async function* () {
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += chunk) yield bytes.subarray(i, i + chunk);
  })();

const BIG = 'x'.repeat(3 * 1024 * 1024);

describe('label maps out of key order, sorted on disk', () => {
  it('members bigger than a run block and escaped keys come back in key order', async () => {
    // "\u0062" is "b": it sorts as b, between "a" and "c".
    const shuffled = `{"c": "${BIG}", "\\u0062": 2, "é": {"label": "${BIG}"}, "a": [1, {"k": "${BIG}"}], "d": 4}`;
    const sorted = `{"a": [1, {"k": "${BIG}"}], "b": 2, "c": "${BIG}", "d": 4, "é": {"label": "${BIG}"}}`;
    let runs = 0;
    const diff = await diffLabelMaps(input(shuffled), input(sorted, 65_536), { memoryBudget: 1024, onSort: (_side, n) => (runs += n) });
    assert.ok(runs >= 4, `runs written: ${runs}`);
    assert.deepEqual([diff.unchanged, diff.changed, diff.added, diff.removed], [5, 0, 0, 0]);

    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (d: Buffer) => chunks.push(d));
    const theirs = shuffled.replace('"d": 4', '"d": 5');
    const result = await mergeLabelMaps({ base: input(shuffled), ours: input(shuffled.replace(': 2,', ': 3,')), theirs: input(theirs) }, out, { memoryBudget: 1024 });
    out.end();
    assert.equal(result.conflicts.length, 0);
    const merged = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(merged), ['c', 'b', 'é', 'a', 'd']);
    assert.deepEqual([merged['b'], merged['d'], (merged['c'] as string).length], [3, 5, BIG.length]);
  });
});
