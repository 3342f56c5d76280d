import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  EMPTY_OID,
  MAX_POINTER_SIZE,
  type Pointer,
  encodePointer,
  isCanonicalPointer,
  parsePointer,
} from '../../src/protocol/pointer.js';

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

const A_OID = 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb'; // sha256("a")
const HELLO_OID = '5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03'; // sha256("hello\n")
const V = 'version https://git-lfs.github.com/spec/v1';
const A_PTR = `${V}\noid sha256:${A_OID}\nsize 1\n`;

// Captured from git-lfs 3.3.0 (`git lfs pointer --file=F` and `git lfs clean < F`, identical).
const GIT_LFS_OUTPUT: { label: string; content: () => Buffer; pointer: string }[] = [
  { label: 'empty file', content: () => Buffer.alloc(0), pointer: '' },
  {
    label: '1 byte "a"',
    content: () => bytes('a'),
    pointer:
      'version https://git-lfs.github.com/spec/v1\n' +
      'oid sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb\n' +
      'size 1\n',
  },
  {
    label: '"hello\\n"',
    content: () => bytes('hello\n'),
    pointer:
      'version https://git-lfs.github.com/spec/v1\n' +
      'oid sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03\n' +
      'size 6\n',
  },
  {
    label: '1 MiB of zeros',
    content: () => Buffer.alloc(1048576),
    pointer:
      'version https://git-lfs.github.com/spec/v1\n' +
      'oid sha256:30e14955ebf1352266dc2ff8067e68104607e750abb9d3b36582b8af909fcb58\n' +
      'size 1048576\n',
  },
  {
    label: '1 MiB pattern (i*31+7)&255',
    content: () => Buffer.from(Array.from({ length: 1048576 }, (_, i) => (i * 31 + 7) & 255)),
    pointer:
      'version https://git-lfs.github.com/spec/v1\n' +
      'oid sha256:06b7bbfb7824aa03382051691630eb26de85102d1b08a81e907ec0744cd8a286\n' +
      'size 1048576\n',
  },
];

describe('encodePointer matches git-lfs 3.3.0 byte for byte', () => {
  for (const { label, content, pointer } of GIT_LFS_OUTPUT) {
    it(label, () => {
      const data = content();
      const encoded = encodePointer({ oid: sha256(data), size: data.length, extensions: [] });
      assert.deepEqual(encoded, bytes(pointer));
      assert.equal(isCanonicalPointer(encoded), true);
    });
  }

  it('writes extensions in ascending priority before oid', () => {
    const p: Pointer = {
      oid: A_OID,
      size: 1,
      extensions: [
        { priority: 2, name: 'bar', oid: HELLO_OID },
        { priority: 0, name: 'foo', oid: EMPTY_OID },
      ],
    };
    assert.equal(
      encodePointer(p).toString('utf8'),
      `${V}\next-0-foo sha256:${EMPTY_OID}\next-2-bar sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`,
    );
  });

  it('gives an empty buffer for size 0 even with extensions', () => {
    assert.equal(encodePointer({ oid: EMPTY_OID, size: 0, extensions: [{ priority: 0, name: 'x', oid: A_OID }] }).length, 0);
  });

  const invalid: [string, Pointer][] = [
    ['uppercase oid', { oid: A_OID.toUpperCase(), size: 1, extensions: [] }],
    ['negative size', { oid: A_OID, size: -1, extensions: [] }],
    ['fractional size', { oid: A_OID, size: 1.5, extensions: [] }],
    ['two-digit priority', { oid: A_OID, size: 1, extensions: [{ priority: 10, name: 'x', oid: A_OID }] }],
    ['ext name with a space', { oid: A_OID, size: 1, extensions: [{ priority: 1, name: 'a b', oid: A_OID }] }],
    ['duplicate priority', { oid: A_OID, size: 1, extensions: [{ priority: 1, name: 'a', oid: A_OID }, { priority: 1, name: 'b', oid: A_OID }] }],
    ['ext name with a newline', { oid: A_OID, size: 1, extensions: [{ priority: 1, name: 'a\nb', oid: A_OID }] }],
    ['ext name starting with a dash', { oid: A_OID, size: 1, extensions: [{ priority: 1, name: '-a', oid: A_OID }] }],
  ];
  for (const [label, p] of invalid) {
    it(`refuses ${label}`, () => assert.throws(() => encodePointer(p), TypeError));
  }
});

describe('parsePointer accepts what git-lfs 3.3.0 accepts', () => {
  const accepted: { label: string; text: string; size?: number; exts?: string[]; canonical?: boolean }[] = [
    { label: 'canonical', text: A_PTR, canonical: true },
    { label: 'CRLF line endings', text: A_PTR.replaceAll('\n', '\r\n') },
    { label: 'no final newline', text: A_PTR.slice(0, -1) },
    { label: 'leading whitespace', text: ` \n\t${A_PTR}` },
    { label: 'trailing whitespace', text: `${A_PTR}  \n\n` },
    { label: 'trailing NBSP (Go TrimSpace is Unicode-aware)', text: `${A_PTR}\u00a0` },
    { label: 'blank lines between keys', text: `${V}\n\noid sha256:${A_OID}\n\nsize 1\n` },
    { label: 'hawser version alias', text: A_PTR.replace('git-lfs.github.com', 'hawser.github.com') },
    { label: 'git-media version alias', text: A_PTR.replace('https://git-lfs.github.com/spec/v1', 'http://git-media.io/v/2') },
    { label: 'size with a plus sign', text: A_PTR.replace('size 1', 'size +1') },
    { label: 'size with leading zeros', text: A_PTR.replace('size 1', 'size 001') },
    { label: 'size -0', text: A_PTR.replace('size 1', 'size -0'), size: 0 },
    { label: 'size 0 written out', text: A_PTR.replace('size 1', 'size 0'), size: 0 },
    { label: 'extension line', text: `${V}\next-0-foo sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`, exts: ['0foo'], canonical: true },
    {
      label: 'extensions out of order (sorted on parse)',
      text: `${V}\next-2-bar sha256:${HELLO_OID}\next-1-foo sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`,
      exts: ['1foo', '2bar'],
    },
    { label: 'extension before version', text: `ext-0-foo sha256:${HELLO_OID}\n${A_PTR}`, exts: ['0foo'] },
    { label: 'extension between oid and size', text: `${V}\noid sha256:${A_OID}\next-3-z sha256:${HELLO_OID}\nsize 1\n`, exts: ['3z'] },
    { label: 'extension name only prefix-checked', text: `${V}\next-1-a!b sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`, exts: ['1a!b'], canonical: true },
    { label: 'ext name with a tab and a CR', text: `${V}\next-1-a\tb\r sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`, exts: ['1a\tb\r'], canonical: true },
    { label: 'repeated ext key: last wins', text: `${V}\next-1-f sha256:${HELLO_OID}\next-1-f sha256:${A_OID}\noid sha256:${A_OID}\nsize 1\n`, exts: ['1f'] },
    { label: '1023 bytes (padded with spaces)', text: A_PTR + ' '.repeat(MAX_POINTER_SIZE - 1 - A_PTR.length) },
  ];
  for (const { label, text, size = 1, exts = [], canonical = false } of accepted) {
    it(label, () => {
      const p = parsePointer(bytes(text));
      assert.ok(p, 'expected a pointer');
      assert.equal(p.oid, A_OID);
      assert.equal(p.size, size);
      assert.deepEqual(p.extensions.map((e) => `${e.priority}${e.name}`), exts);
      assert.equal(isCanonicalPointer(bytes(text)), canonical);
    });
  }

  it('an empty input is the pointer of the empty file', () => {
    assert.deepEqual(parsePointer(new Uint8Array(0)), { oid: EMPTY_OID, size: 0, extensions: [] });
    assert.equal(EMPTY_OID, sha256(Buffer.alloc(0)));
    assert.equal(isCanonicalPointer(new Uint8Array(0)), true);
  });

  it('keeps extension oids', () => {
    const p = parsePointer(bytes(`${V}\next-0-foo sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`));
    assert.deepEqual(p?.extensions, [{ priority: 0, name: 'foo', oid: HELLO_OID }]);
  });

  it('works on a view into a larger buffer', () => {
    const big = Buffer.concat([bytes('xxxx'), bytes(A_PTR), bytes('yyyy')]);
    assert.equal(parsePointer(big.subarray(4, 4 + A_PTR.length))?.size, 1);
  });
});

describe('parsePointer rejects what git-lfs 3.3.0 rejects', () => {
  const rejected: [string, string][] = [
    ['1024 bytes', A_PTR + ' '.repeat(MAX_POINTER_SIZE - A_PTR.length)],
    ['unknown version', A_PTR.replace('spec/v1', 'spec/v2')],
    ['version with a trailing space', `${V} \noid sha256:${A_OID}\nsize 1\n`],
    ['uppercase oid', A_PTR.replace(A_OID, A_OID.toUpperCase())],
    ['short oid', A_PTR.replace(A_OID, A_OID.slice(1))],
    ['oid with a trailing space', `${V}\noid sha256:${A_OID} \nsize 1\n`],
    ['sha1 oid type', A_PTR.replace('sha256', 'sha1')],
    ['missing size', `${V}\noid sha256:${A_OID}\n`],
    ['missing version', `oid sha256:${A_OID}\nsize 1\n`],
    ['keys out of order', `${V}\nsize 1\noid sha256:${A_OID}\n`],
    ['repeated version line', `${V}\n${V}\noid sha256:${A_OID}\nsize 1\n`],
    ['extra line after size', `${A_PTR}foo bar\n`],
    ['extension after size', `${A_PTR}ext-0-foo sha256:${HELLO_OID}\n`],
    ['trailing garbage', `${A_PTR}x`],
    ['line without a space', `${V}\nfoo\noid sha256:${A_OID}\nsize 1\n`],
    ['tab as separator', `${V}\noid\tsha256:${A_OID}\nsize 1\n`],
    ['two spaces after key', `${V}\noid  sha256:${A_OID}\nsize 1\n`],
    ['CR CR LF', `${V}\r\r\noid sha256:${A_OID}\nsize 1\n`],
    ['lone CR as separator', `${V}\noid sha256:${A_OID}\rsize 1\n`],
    ['negative size', A_PTR.replace('size 1', 'size -1')],
    ['non-numeric size', A_PTR.replace('size 1', 'size one')],
    ['hex size', A_PTR.replace('size 1', 'size 0x1')],
    ['size above int64', A_PTR.replace('size 1', 'size 9223372036854775808')],
    ['ext with two-digit priority', `${V}\next-10-foo sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`],
    ['ext with empty name', `${V}\next-1- sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`],
    ['ext name starting with a dash', `${V}\next-1--x sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`],
    ['ext key in uppercase', `${V}\nExt-1-foo sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`],
    ['ext with a bad oid', `${V}\next-1-foo sha256:${HELLO_OID.slice(1)}\noid sha256:${A_OID}\nsize 1\n`],
    ['duplicate ext priority', `${V}\next-1-foo sha256:${HELLO_OID}\next-1-bar sha256:${HELLO_OID}\noid sha256:${A_OID}\nsize 1\n`],
    ['whitespace only', '   \n '],
    ['plain text', 'hello\n'],
    ['NUL after the pointer', `${A_PTR}\0`],
  ];
  for (const [label, text] of rejected) {
    it(label, () => {
      assert.equal(parsePointer(bytes(text)), undefined);
      assert.equal(isCanonicalPointer(bytes(text)), false);
    });
  }

  it('binary content', () => {
    assert.equal(parsePointer(Buffer.from([0xff, 0xfe, 0x00, 0x01])), undefined);
  });

  // Deliberate: git-lfs takes up to 2^63-1, but such sizes do not fit a JS number exactly.
  it('size above Number.MAX_SAFE_INTEGER (deliberate deviation)', () => {
    assert.equal(parsePointer(bytes(A_PTR.replace('size 1', 'size 9223372036854775807'))), undefined);
    assert.equal(parsePointer(bytes(A_PTR.replace('size 1', `size ${Number.MAX_SAFE_INTEGER}`)))?.size, Number.MAX_SAFE_INTEGER);
  });
});

describe('round trips', () => {
  const pointers: [string, Pointer][] = [
    ['size 1', { oid: A_OID, size: 1, extensions: [] }],
    ['size 0', { oid: EMPTY_OID, size: 0, extensions: [] }],
    ['large size', { oid: HELLO_OID, size: 123456789012, extensions: [] }],
    [
      'extensions',
      {
        oid: A_OID,
        size: 42,
        extensions: [
          { priority: 0, name: 'foo', oid: HELLO_OID },
          { priority: 9, name: 'bar_baz', oid: EMPTY_OID },
        ],
      },
    ],
  ];
  for (const [label, p] of pointers) {
    it(label, () => {
      const encoded = encodePointer(p);
      assert.deepEqual(parsePointer(encoded), p);
      assert.equal(isCanonicalPointer(encoded), true);
    });
  }
});
