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

  it('a side in key order only up to a late key (padding outgrown) is found out before many false changes are held', async () => {
    // Keys k0001 … k9999 then k10000 …: in key order k10000 sorts between k1000 and k1001, so a walk
    // of base (sorted) against theirs as written would take thousands of keys for changes.
    const keys = Array.from({ length: 10_200 }, (_, i) => `k${String(i + 1).padStart(4, '0')}`);
    const written = (f: (k: string, i: number) => string | undefined) => `{${keys.flatMap((k, i) => (f(k, i) === undefined ? [] : [`"${k}": ${f(k, i)}`])).join(', ')}}`;
    const base = written((_k, i) => String(i));
    const theirs = written((_k, i) => (i === 10_100 ? '"changed"' : String(i)));
    const ours = written((_k, i) => (i === 5 ? '"ours"' : String(i)));
    const sorted: string[] = [];
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (d: Buffer) => chunks.push(d));
    const result = await mergeLabelMaps({ base: input(base), ours: input(ours), theirs: input(theirs) }, out, { memoryBudget: 4096, onSort: (side) => sorted.push(side) });
    out.end();
    // base and theirs for the walk; ours (streamed as written) once more, to check no key repeats.
    assert.deepEqual(sorted.sort(), ['base', 'ours', 'theirs']);
    assert.equal(result.conflicts.length, 0);
    assert.deepEqual(result.stats.takenFromTheirs, { added: 0, modified: 1, deleted: 0 });
    const merged = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
    assert.deepEqual([merged['k0006'], merged['k10101'], Object.keys(merged).length], ['ours', 'changed', 10_200]);
  });
});
