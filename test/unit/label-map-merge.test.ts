import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { mergeLabelMaps, type MergeConflict, type MergeOptions, type MergeResult, type MergeStrategy } from '../../src/labelmap/merge.js';
import { LabelMapFormatError } from '../../src/labelmap/tokenizer.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Map_ = Record<string, Json>;

// A label map as text, in small chunks so that members straddle chunk boundaries.
const input = (text: string) => () =>
  (async function* () {
    for (let i = 0; i < text.length; i += 7) yield Buffer.from(text.slice(i, i + 7));
  })();

async function mergeText(base: string | undefined, ours: string, theirs: string, strategy?: MergeStrategy, options: MergeOptions = {}): Promise<{ text: string; result: MergeResult }> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (d: Buffer) => chunks.push(d));
  const result = await mergeLabelMaps(
    { base: base === undefined ? undefined : input(base), ours: input(ours), theirs: input(theirs) },
    out,
    strategy ? { ...options, strategy } : options,
  );
  out.end();
  return { text: Buffer.concat(chunks).toString(), result };
}

async function merge(base: Map_ | undefined, ours: Map_, theirs: Map_, strategy?: MergeStrategy): Promise<{ merged: Map_; keys: string[]; conflicts: MergeConflict[] }> {
  const { text, result } = await mergeText(base && JSON.stringify(base), JSON.stringify(ours), JSON.stringify(theirs), strategy);
  const merged = JSON.parse(text) as Map_;
  return { merged, keys: Object.keys(merged), conflicts: result.conflicts };
}

const A = { label: 'speech', speaker: 1 };
const B = { label: 'music', speaker: 2 };
const C = { label: 'noise', speaker: 3 };

describe('label-map merge: one key, every case', () => {
  // [case, base, ours, theirs, merged value (undefined = absent), conflict kind]
  const table: Array<[string, Json | undefined, Json | undefined, Json | undefined, Json | undefined, string | undefined]> = [
    ['unchanged', A, A, A, A, undefined],
    ['modified by ours', A, B, A, B, undefined],
    ['modified by theirs', A, A, B, B, undefined],
    ['same modification on both sides', A, B, B, B, undefined],
    ['different modifications', A, B, C, B, 'modified-both'],
    ['deleted by ours', A, undefined, A, undefined, undefined],
    ['deleted by theirs', A, A, undefined, undefined, undefined],
    ['deleted by both', A, undefined, undefined, undefined, undefined],
    ['deleted by ours, modified by theirs', A, undefined, B, undefined, 'deleted-ours-modified-theirs'],
    ['modified by ours, deleted by theirs', A, B, undefined, B, 'modified-ours-deleted-theirs'],
    ['added by ours', undefined, A, undefined, A, undefined],
    ['added by theirs', undefined, undefined, A, A, undefined],
    ['added by both, same value', undefined, A, A, A, undefined],
    ['added by both, different values', undefined, A, B, A, 'added-both'],
  ];
  const withKey = (v: Json | undefined): Map_ => ({ before: 0, ...(v !== undefined && { k: v }), after: 1 });
  for (const [name, base, ours, theirs, expected, kind] of table) {
    it(name, async () => {
      const { merged, conflicts } = await merge(withKey(base), withKey(ours), withKey(theirs));
      assert.deepEqual(conflicts.map((c) => c.kind), kind ? [kind] : []);
      if (!kind) assert.deepEqual(merged, withKey(expected));
      if (kind) {
        const c = conflicts[0]!;
        assert.equal(c.key, 'k');
        const text = (v: Json | undefined) => (v === undefined ? undefined : JSON.stringify(v));
        assert.deepEqual([c.base, c.ours, c.theirs], [text(base), text(ours), text(theirs)]);
        const asOurs = await merge(withKey(base), withKey(ours), withKey(theirs), 'ours');
        assert.deepEqual(asOurs.merged, withKey(ours));
        const asTheirs = await merge(withKey(base), withKey(ours), withKey(theirs), 'theirs');
        assert.deepEqual(asTheirs.merged, withKey(theirs));
      }
    });
  }
});

describe('label-map merge: output', () => {
  it('keeps ours’ order, appends theirs’ additions in theirs’ order, one member per line', async () => {
    const { text, result } = await mergeText(
      '{"a": 1, "b": 2, "c": 3}',
      '{"c": 3, "z": 26, "a": 1, "b": 2}',
      '{"a": 1, "y": 25, "b": 20, "x": 24, "c": 3}',
    );
    assert.equal(text, '{\n  "c": 3,\n  "z": 26,\n  "a": 1,\n  "b": 20,\n  "y": 25,\n  "x": 24\n}\n');
    assert.deepEqual(result.stats, {
      baseKeys: 3,
      oursKeys: 4,
      theirsKeys: 5,
      resultKeys: 6,
      takenFromTheirs: { added: 2, modified: 1, deleted: 0 },
      sameChange: 0,
    });
  });

  it('keeps each value’s text from the side it is taken from, and is deterministic', async () => {
    const base = '{\n  "k1": {"label": "a",   "n": 1},\n  "k2": [1,2]\n}';
    const ours = '{"k1":{"label":"a","n":1},"k2":[1, 2,  3]}';
    const theirs = '{\n    "k1": {\n      "label": "b",\n      "n": 1\n    },\n    "k2": [1,2]\n}';
    const first = await mergeText(base, ours, theirs);
    assert.equal(first.text, '{\n  "k1": {\n      "label": "b",\n      "n": 1\n    },\n  "k2": [1, 2,  3]\n}\n');
    assert.equal((await mergeText(base, ours, theirs)).text, first.text);
  });

  it('treats reformatted, reordered or re-escaped values as unchanged', async () => {
    const { text, result } = await mergeText(
      '{"k": {"label": "caf\\u00e9", "n": 1}, "j": 1}',
      '{"k": {"n":1, "label":"café"}, "j": 2}',
      '{"k": {"label": "x"}, "j": 1}',
    );
    assert.deepEqual(result.conflicts, []);
    assert.equal(text, '{\n  "k": {"label": "x"},\n  "j": 2\n}\n');
  });

  it('unicode keys, nested values, raw keys kept as written', async () => {
    const { text } = await mergeText('{"caf\\u00e9": 1, "日本": {"a": [1]}}', '{"café": 2, "日本": {"a": [1]}}', '{"caf\\u00e9": 1, "日本": {"a": [1, {"b": null}]}, "🎧": "x"}');
    assert.equal(text, '{\n  "café": 2,\n  "日本": {"a": [1, {"b": null}]},\n  "🎧": "x"\n}\n');
  });

  it('empty maps: "{}" and no base at all', async () => {
    assert.equal((await mergeText('{}', '{}', '{}')).text, '{}\n');
    assert.equal((await mergeText('{"a": 1}', '{}', '{"a": 1}')).text, '{}\n');
    assert.equal((await mergeText(undefined, '{"a": 1}', '{"b": 2}')).text, '{\n  "a": 1,\n  "b": 2\n}\n');
    const both = await mergeText(undefined, '{"a": 1}', '{"a": 2}');
    assert.deepEqual(both.result.conflicts, [{ key: 'a', kind: 'added-both', ours: '1', theirs: '2' }]);
  });

  it('reports every conflict, with base values fetched for the report', async () => {
    const { result } = await mergeText('{"a": 1, "b": 1, "c": 1}', '{"a": 2, "b": 3}', '{"a": 3, "b": 3, "c": 2}');
    assert.deepEqual(result.conflicts, [
      { key: 'a', kind: 'modified-both', base: '1', ours: '2', theirs: '3' },
      { key: 'c', kind: 'deleted-ours-modified-theirs', base: '1', theirs: '2' },
    ]);
    assert.equal(result.resolved, false);
    assert.equal((await mergeText('{"a": 1}', '{"a": 2}', '{"a": 3}', 'theirs')).result.resolved, true);
  });

  it('refuses non-objects, invalid JSON and duplicate keys, naming the side', async () => {
    await assert.rejects(mergeText('{}', '[1]', '{}'), (err: Error) => err instanceof LabelMapFormatError && /^ours: /.test(err.message));
    await assert.rejects(mergeText('{}', '{}', '{"a": tru}'), (err: Error) => err instanceof LabelMapFormatError && /^theirs: /.test(err.message));
    await assert.rejects(mergeText('"x"', '{}', '{}'), /^LabelMapFormatError: base: /);
    await assert.rejects(mergeText('{}', '{"a": 1, "a": 2}', '{}'), /ours: the key "a" appears more than once/);
    await assert.rejects(mergeText('{"a": 1}', '{"a": 1}', '{"a": 1, "a": 1}'), /theirs: the key "a" appears more than once/);
    await assert.rejects(mergeText('{"a": 1, "a": 1}', '{}', '{}'), /base: the key "a" appears more than once/);
    // Out of key order, the repeat is found by sorting, in memory or on disk.
    for (const options of [{}, { memoryBudget: 64 }]) {
      await assert.rejects(mergeText('{}', '{"b": 1, "a": 2, "b": 3}', '{}', undefined, options), /ours: the key "b" appears more than once/);
      await assert.rejects(mergeText('{"b": 1, "a": 2, "b": 3}', '{}', '{}', undefined, options), /base: the key "b" appears more than once/);
      await assert.rejects(mergeText('{}', '{}', '{"c": 0, "b": 1, "a": 2, "b\\u0020": 3, "b": 3}', undefined, options), /theirs: the key "b" appears more than once/);
    }
    await assert.rejects(mergeText('{}', '', '{}'), /ours: empty input/);
  });
});

// A straightforward in-memory implementation of the same rules, to compare against.
function referenceMerge(base: Map_, ours: Map_, theirs: Map_, strategy: MergeStrategy): { merged: Array<[string, Json]>; conflicts: Array<[string, string]> } {
  const canon = (v: Json): string =>
    JSON.stringify(v, (_k, value: unknown) =>
      value && typeof value === 'object' && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : value,
    );
  const has = (m: Map_, k: string) => Object.hasOwn(m, k);
  const eq = (a: Json | undefined, b: Json | undefined) => (a === undefined ? b === undefined : b !== undefined && canon(a) === canon(b));
  const merged: Array<[string, Json]> = [];
  const conflicts: Array<[string, string]> = [];
  const pick = (o: Json | undefined, t: Json | undefined, k: string, kind: string) => {
    conflicts.push([k, kind]);
    const v = strategy === 'theirs' ? t : o;
    if (v !== undefined) merged.push([k, v]);
  };
  for (const k of Object.keys(ours)) {
    const o = ours[k]!;
    const b = has(base, k) ? base[k] : undefined;
    const t = has(theirs, k) ? theirs[k] : undefined;
    if (b !== undefined) {
      if (t === undefined) {
        if (eq(o, b)) continue;
        pick(o, undefined, k, 'modified-ours-deleted-theirs');
      } else if (eq(t, b)) merged.push([k, o]);
      else if (eq(o, b)) merged.push([k, t]);
      else if (eq(o, t)) merged.push([k, o]);
      else pick(o, t, k, 'modified-both');
    } else if (t === undefined || eq(o, t)) merged.push([k, o]);
    else pick(o, t, k, 'added-both');
  }
  for (const k of Object.keys(base)) {
    if (has(ours, k) || !has(theirs, k) || eq(theirs[k], base[k])) continue;
    conflicts.push([k, 'deleted-ours-modified-theirs']);
  }
  for (const k of Object.keys(theirs)) {
    if (has(ours, k)) continue;
    if (!has(base, k)) merged.push([k, theirs[k]!]);
    else if (strategy === 'theirs' && !eq(theirs[k], base[k])) merged.push([k, theirs[k]!]);
  }
  return { merged, conflicts };
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// The same merges three ways: inputs read as they come (sorted in memory where they are not in key
// order); sorted through runs on disk under a tiny memory budget; and with a value digest that
// always collides, so that only the verification of equal digests keeps different values apart.
const variants: Array<{ name: string; options: () => MergeOptions; check?: () => void }> = [];
let runsWritten = 0;
let collidingDigests = 0;
variants.push({ name: 'in memory', options: () => ({}) });
variants.push({
  name: 'sorted on disk',
  options: () => ({ memoryBudget: 200, onSort: (_side: string, runs: number) => (runsWritten += runs) }),
  check: () => assert.ok(runsWritten > 300, `runs written: ${runsWritten}`),
});
variants.push({
  name: 'every digest colliding',
  options: () => ({
    valueDigest: (_b: Uint8Array, _s: number, _e: number, out: Uint32Array, i: number) => {
      collidingDigests++;
      out[i] = 7;
      out[i + 1] = 7;
    },
  }),
  check: () => assert.ok(collidingDigests > 1000, `colliding digests: ${collidingDigests}`),
});

describe('label-map merge: agrees with a reference implementation', () => {
  for (const variant of variants) it(`on 300 random three-way merges, ${variant.name}`, async () => {
    const rnd = random(42);
    const values: Json[] = [1, 2, 'a', 'b', { label: 'x', n: 1 }, { n: 1, label: 'x' }, { label: 'y' }, [1, 2], null, true];
    const pickValue = () => values[Math.floor(rnd() * values.length)]!;
    const shuffle = <T>(xs: T[]): T[] => {
      for (let i = xs.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [xs[i], xs[j]] = [xs[j]!, xs[i]!];
      }
      return xs;
    };
    for (let round = 0; round < 300; round++) {
      const base: Map_ = {};
      for (let i = 0; i < 12; i++) if (rnd() < 0.7) base[`k${i}`] = pickValue();
      const edit = (): Map_ => {
        const m: Map_ = {};
        for (let i = 0; i < 16; i++) {
          const k = `k${i}`;
          const r = rnd();
          if (Object.hasOwn(base, k)) {
            if (r < 0.6) m[k] = base[k]!;
            else if (r < 0.85) m[k] = pickValue();
          } else if (r < 0.25) m[k] = pickValue();
        }
        return rnd() < 0.3 ? Object.fromEntries(shuffle(Object.entries(m))) : m;
      };
      const ours = edit();
      const theirs = edit();
      for (const strategy of ['conflict', 'ours', 'theirs'] as const) {
        const expected = referenceMerge(base, ours, theirs, strategy);
        const { text, result } = await mergeText(JSON.stringify(base), JSON.stringify(ours), JSON.stringify(theirs), strategy, variant.options());
        assert.deepEqual(
          result.conflicts.map((c) => [c.key, c.kind]),
          expected.conflicts,
          `round ${round} ${strategy}: ${JSON.stringify({ base, ours, theirs })}`,
        );
        assert.deepEqual(Object.entries(JSON.parse(text) as Map_), expected.merged, `round ${round} ${strategy}`);
      }
    }
    variant.check?.();
  });
});
