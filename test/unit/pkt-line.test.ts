import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../src/errors/index.js';
import {
  FLUSH,
  MAX_PKT_PAYLOAD,
  type PktFrame,
  PktLineReader,
  decodeText,
  encodeContent,
  encodeData,
  encodeText,
} from '../../src/protocol/pkt-line.js';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

async function readAll(source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<PktFrame[]> {
  const reader = new PktLineReader(source);
  const frames: PktFrame[] = [];
  for (let f = await reader.read(); f !== undefined; f = await reader.read()) frames.push(f);
  assert.equal(await reader.read(), undefined, 'stays at end once ended');
  return frames;
}

async function* asAsync(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const c of chunks) yield c;
}

// Deterministic PRNG so a failing split can be reproduced.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomSplit(data: Buffer, rand: () => number, maxPiece: number): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    const n = Math.floor(rand() * maxPiece); // 0 included: empty chunks must be skipped
    out.push(data.subarray(at, at + n));
    at += n;
  }
  return out;
}

describe('pkt-line encoding', () => {
  const cases: [string, Buffer, string][] = [
    ['one byte', encodeData(latin1('a')), '0005a'],
    ['text line', encodeText('version=2'), '000eversion=2\n'],
    ['flush', FLUSH, '0000'],
    ['utf-8 text', encodeText('pathname=é'), '0010pathname=\xc3\xa9\n'],
  ];
  for (const [label, got, want] of cases) it(label, () => assert.deepEqual(got, latin1(want)));

  it('a maximal packet has length fff0', () => {
    const p = encodeData(Buffer.alloc(MAX_PKT_PAYLOAD, 0x61));
    assert.equal(MAX_PKT_PAYLOAD, 65516);
    assert.equal(p.subarray(0, 4).toString('latin1'), 'fff0');
    assert.equal(p.length, 65520);
  });

  it('refuses an empty payload (0004) and an oversize one', () => {
    assert.throws(() => encodeData(Buffer.alloc(0)), RangeError);
    assert.throws(() => encodeData(Buffer.alloc(MAX_PKT_PAYLOAD + 1)), RangeError);
  });

  const splits: [string, number, number[]][] = [
    ['empty content → no packets', 0, []],
    ['1 byte', 1, [1]],
    ['exactly 65516 → one packet', 65516, [65516]],
    ['65517 → two packets', 65517, [65516, 1]],
    ['3×65516+1 → four packets', 3 * 65516 + 1, [65516, 65516, 65516, 1]],
  ];
  for (const [label, size, payloads] of splits) {
    it(`encodeContent: ${label}`, async () => {
      const data = Buffer.from(Array.from({ length: size }, (_, i) => i % 251));
      const packets = encodeContent(data);
      assert.deepEqual(packets.map((p) => p.length - 4), payloads);
      const frames = await readAll(packets);
      assert.deepEqual(Buffer.concat(frames.map((f) => (f.type === 'data' ? f.payload : Buffer.alloc(0)))), data);
    });
  }

  it('encodeContent never emits 0004 nor exceeds the maximum (sizes around every boundary)', () => {
    const rand = rng(7);
    const sizes = [0, 1, 2, 3, 4, 5, 65515, 65516, 65517, 131031, 131032, 131033];
    for (let i = 0; i < 40; i++) sizes.push(Math.floor(rand() * 300_000));
    for (const size of sizes) {
      const packets = encodeContent(Buffer.alloc(size));
      for (const p of packets) {
        const len = Number.parseInt(p.subarray(0, 4).toString('latin1'), 16);
        assert.equal(len, p.length);
        assert.ok(len > 4 && len <= 65520, `size ${size}: packet length ${len}`);
      }
      assert.equal(packets.length, Math.ceil(size / MAX_PKT_PAYLOAD));
    }
  });

  it('decodeText strips one trailing LF only', () => {
    assert.equal(decodeText(latin1('a\n')), 'a');
    assert.equal(decodeText(latin1('a')), 'a');
    assert.equal(decodeText(latin1('a\n\n')), 'a\n');
  });
});

describe('PktLineReader', () => {
  const stream = Buffer.concat([
    encodeText('git-filter-client'),
    encodeText('version=2'),
    FLUSH,
    latin1('0001'),
    latin1('0002'),
    ...encodeContent(Buffer.alloc(70000, 0x5a)),
    FLUSH,
  ]);
  const expected: PktFrame[] = [
    { type: 'data', payload: latin1('git-filter-client\n') },
    { type: 'data', payload: latin1('version=2\n') },
    { type: 'flush' },
    { type: 'delim' },
    { type: 'response-end' },
    { type: 'data', payload: Buffer.alloc(65516, 0x5a) },
    { type: 'data', payload: Buffer.alloc(70000 - 65516, 0x5a) },
    { type: 'flush' },
  ];

  it('reads frames from one chunk', async () => assert.deepEqual(await readAll([stream]), expected));
  it('reads frames fed 1 byte at a time', async () => {
    const bytes = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    assert.deepEqual(await readAll(asAsync(bytes)), expected);
  });
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`reads frames from random splits (seed ${seed})`, async () => {
      assert.deepEqual(await readAll(asAsync(randomSplit(stream, rng(seed), seed * 9000))), expected);
    });
  }
  it('empty input is a clean end', async () => assert.deepEqual(await readAll([]), []));
  it('accepts uppercase hex lengths', async () => {
    assert.deepEqual(await readAll([latin1('000Aabcdef')]), [{ type: 'data', payload: latin1('abcdef') }]);
  });
  it('copes with a payload spread over many chunks', async () => {
    const big = Buffer.concat(encodeContent(Buffer.alloc(200_000, 1)));
    const frames = await readAll(asAsync(randomSplit(big, rng(11), 17)));
    assert.equal(frames.length, 4);
  });

  const malformed: [string, string][] = [
    ['truncated header "000"', '000'],
    ['truncated header after a packet', '0005a00'],
    ['non-hex length "zzzz"', 'zzzz'],
    ['sign in length "+005"', '+005a'],
    ['length 3', '0003'],
    ['empty data packet 0004', '0004'],
    ['length above 65520 (fff1)', 'fff1'],
    ['length ffff', 'ffff'],
    ['truncated payload', '0009abc'],
    ['payload truncated after a flush', '0000000aab'],
  ];
  for (const [label, input] of malformed) {
    it(`rejects ${label}`, async () => {
      await assert.rejects(readAll([latin1(input)]), ProtocolError);
      await assert.rejects(readAll(asAsync(Array.from(latin1(input), (b) => Buffer.from([b])))), ProtocolError);
    });
  }

  it('yields frames before a later error', async () => {
    const reader = new PktLineReader([latin1('0005a0004')]);
    assert.deepEqual(await reader.read(), { type: 'data', payload: latin1('a') });
    await assert.rejects(reader.read(), ProtocolError);
  });
});
