import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeKey, LabelMapFormatError, LabelMapScanner, MEMBER_FIELDS, type MemberBatch } from '../../src/labelmap/tokenizer.js';
import { canonicalDigest } from '../../src/labelmap/canonical-digest.js';
import { canonicalJson } from '../../src/labelmap/canonical-value.js';
import { digest64 } from '../../src/labelmap/digest64.js';

// One member as text: the decoded key, the key as written, the value as written.
interface LabelMapMember {
  key: string;
  rawKey: string;
  raw: string;
}

function tokenize(chunks: Array<string | Uint8Array>): LabelMapMember[] {
  const out: LabelMapMember[] = [];
  const scanner = new LabelMapScanner();
  const take = ({ buf, count, offsets }: MemberBatch): void => {
    for (let m = 0; m < count; m++) {
      const [keyStart, keyEnd, valueStart, valueEnd, escaped] = offsets.subarray(MEMBER_FIELDS * m, MEMBER_FIELDS * (m + 1));
      const rawKey = buf.toString('utf8', keyStart, keyEnd);
      out.push({ key: decodeKey(rawKey, escaped === 1), rawKey, raw: buf.toString('utf8', valueStart, valueEnd) });
    }
  };
  for (const chunk of chunks) take(scanner.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
  take(scanner.end());
  return out;
}

// Every way of cutting the bytes in two, and one byte at a time.
function everySplit(text: string): Uint8Array[][] {
  const bytes = Buffer.from(text);
  const splits: Uint8Array[][] = [[bytes], [...bytes].map((b) => Uint8Array.of(b))];
  for (let i = 1; i < bytes.length; i++) splits.push([bytes.subarray(0, i), bytes.subarray(i)]);
  return splits;
}

function digestOf(raw: string, out: Uint32Array): void {
  const bytes = Buffer.from(raw);
  canonicalDigest(bytes, 0, bytes.length, out, 0);
}


const SAMPLE = ' {\n  "clip_1": {"label": "speech", "speaker": 17},\n  "caf\\u00e9": "x\\"y\\\\",\n  "n": -1.5e+3, "t": true, "f":false,"z" : null,\r\n\t"arr": [1, [2, {"a": "}]"}], "]"],\n  "": {}, "ü/日本": "日本語"\n}\n ';

describe('label-map tokenizer', () => {
  it('yields each member with its decoded key, raw key and raw value, whatever the chunking', () => {
    const expected: LabelMapMember[] = [
      { key: 'clip_1', rawKey: '"clip_1"', raw: '{"label": "speech", "speaker": 17}' },
      { key: 'café', rawKey: '"caf\\u00e9"', raw: '"x\\"y\\\\"' },
      { key: 'n', rawKey: '"n"', raw: '-1.5e+3' },
      { key: 't', rawKey: '"t"', raw: 'true' },
      { key: 'f', rawKey: '"f"', raw: 'false' },
      { key: 'z', rawKey: '"z"', raw: 'null' },
      { key: 'arr', rawKey: '"arr"', raw: '[1, [2, {"a": "}]"}], "]"]' },
      { key: '', rawKey: '""', raw: '{}' },
      { key: 'ü/日本', rawKey: '"ü/日本"', raw: '"日本語"' },
    ];
    for (const chunks of everySplit(SAMPLE)) assert.deepEqual(tokenize(chunks), expected, JSON.stringify(chunks.slice(0, 2).map((c) => Buffer.from(c).toString())));
  });

  it('reads an empty object, and nothing but whitespace around it', () => {
    assert.deepEqual(tokenize(['{}']), []);
    assert.deepEqual(tokenize([' \n{ \n }\n\n']), []);
  });

  it('decodes UTF-8 split anywhere, drops a BOM, and rejects invalid UTF-8', () => {
    const bytes = Buffer.from('\uFEFF{"é日": "🎧"}', 'utf8');
    for (let i = 1; i < bytes.length; i++) {
      const members = tokenize([bytes.subarray(0, i), bytes.subarray(i)]);
      assert.deepEqual(members, [{ key: 'é日', rawKey: '"é日"', raw: '"🎧"' }]);
    }
    assert.throws(() => tokenize([Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])]), LabelMapFormatError);
    // A sequence cut at the very end of the input is not UTF-8 either.
    assert.throws(() => tokenize([Buffer.from('{"a": "'), Buffer.from([0xe6, 0x97])]), LabelMapFormatError);
  });

  it('rejects what is not one JSON object, with the position', () => {
    const bad = ['', '   ', '[1, 2]', '"x"', '42', 'null', '{', '{"a"}', '{"a" 1}', '{"a": }', '{"a": 1,}', '{"a": 1', '{"a": 1} x', '{"a": 1}{}', '{a: 1}', '{"a\u0001": 1}', '{"a": 1 "b": 2}', '{,}'];
    for (const text of bad) {
      assert.throws(() => tokenize([text]), LabelMapFormatError, JSON.stringify(text));
    }
    assert.throws(() => tokenize(['{"a": 1,\n ]']), /expected a key, found "\]" \(at byte 10\)/);
  });
});

describe('canonical JSON values', () => {
  it('ignores whitespace, member order and string escapes; keeps numbers as written', () => {
    const same: Array<[string, string]> = [
      ['{"label": "speech", "speaker": 17}', '{"speaker":17,"label":"speech"}'],
      ['"caf\\u00e9"', '"café"'],
      ['"a\\/b"', '"a/b"'],
      ['[1, {"b": [], "a": {}}]', '[1,{"a":{},"b":[]}]'],
      ['{"a": 1, "a": 2}', '{"a": 2}'],
      [' "x" ', '"x"'],
      ['"\\ud83c\\udfa7"', '"🎧"'],
    ];
    for (const [a, b] of same) assert.equal(canonicalJson(a), canonicalJson(b), `${a} vs ${b}`);
    const different: Array<[string, string]> = [
      ['1', '1.0'],
      ['1e2', '100'],
      ['[1, 2]', '[2, 1]'],
      ['"A"', '"a"'],
      ['{"a": null}', '{}'],
      ['"1"', '1'],
    ];
    for (const [a, b] of different) assert.notEqual(canonicalJson(a), canonicalJson(b), `${a} vs ${b}`);
    assert.equal(canonicalJson('{ "b" : [ 1 , true ] , "a" : "x\\ty" }'), '{"a":"x\\ty","b":[1,true]}');
  });

  it('rejects invalid values', () => {
    for (const raw of ['', 'tru', 'nul', '01', '1.', '.5', '+1', '-', '1e', '"a', '"\\x"', '"a\nb"', '[1,]', '{"a":1,}', '{"a"}', '[1 2]', '{} {}', 'NaN', "'a'", '{"a":1]', '[}']) {
      assert.throws(() => canonicalJson(raw), LabelMapFormatError, JSON.stringify(raw));
      assert.throws(() => digestOf(raw, new Uint32Array(2)), LabelMapFormatError, JSON.stringify(raw));
    }
  });

  it('the fast digest equals the digest of the canonical text', () => {
    const values = [
      '{"label": "speech", "speaker": 17}',
      '{"speaker": 17, "label": "speech"}',
      '{"b": 1, "a": 2}',
      '{"a": 1, "a": 2}',
      '"caf\\u00e9"',
      '"café"',
      '[1, [2, [3, {"z": {"y": [true, false, null]}}]]]',
      '-0.5E-7',
      '{"a": {"d": 1, "c": 2}, "b": 3}',
      '{"a\\u0041": 1, "aB": 2}',
      ' { } ',
      '[ ]',
      '"x\\ty"',
      '{"k": "v"}',
    ];
    for (const raw of values) {
      const fast = new Uint32Array(2);
      const slow = new Uint32Array(2);
      digestOf(raw, fast);
      digest64(Buffer.from(canonicalJson(raw)), slow, 0);
      assert.deepEqual([...fast], [...slow], raw);
    }
    const a = new Uint32Array(2);
    const b = new Uint32Array(2);
    digestOf('{"label": "speech"}', a);
    digestOf('{"label": "speeci"}', b);
    assert.notDeepEqual([...a], [...b]);
  });
});
