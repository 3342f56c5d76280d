import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trimmedSpace } from '../../src/protocol/go-space.js';

// The reference: Go's unicode.IsSpace written as UTF-8 byte sequences in a regex over a latin1
// string, which parsePointer used before (checked against git-lfs's pointer tests then).
const SPACE = String.raw`(?:[\t\n\v\f\r ]|\xC2[\x85\xA0]|\xE1\x9A\x80|\xE2\x80[\x80-\x8A\xA8\xA9\xAF]|\xE2\x81\x9F|\xE3\x80\x80)`;
const reference = (bytes: Buffer): string =>
  bytes.toString('latin1').replace(new RegExp(`^${SPACE}+`), '').replace(new RegExp(`${SPACE}+$`), '');
const trimmed = (bytes: Buffer): string => {
  const [start, end] = trimmedSpace(bytes);
  return bytes.toString('latin1', start, end);
};

// Every White_Space sequence, the near misses around them, and ordinary bytes.
const PIECES = [
  ...[0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20].map((b) => [b]),
  [0xc2, 0x85], [0xc2, 0xa0], [0xe1, 0x9a, 0x80], [0xe2, 0x81, 0x9f], [0xe3, 0x80, 0x80],
  ...[0x80, 0x85, 0x8a, 0xa8, 0xa9, 0xaf].map((b) => [0xe2, 0x80, b]),
  [0xc2], [0xe2], [0xe2, 0x80], [0xe2, 0x80, 0x8b], [0xe2, 0x80, 0xa0], [0xe1, 0x9a], [0x80], [0x85], [0xa0], [0x9f], [0x08], [0x0e], [0x41], [0x00],
];

describe('trimmedSpace trims as Go bytes.TrimSpace', () => {
  it('agrees with the byte-sequence regex on 20,000 random mixes of spaces and near misses', () => {
    let seed = 1;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor((seed / 2 ** 31) * n); // the high bits: an LCG's low bits repeat
    };
    let trimmedSome = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = Buffer.from(Array.from({ length: random(8) }, () => PIECES[random(PIECES.length)]!).flat());
      assert.equal(trimmed(bytes), reference(bytes), bytes.toString('hex'));
      if (trimmed(bytes).length < bytes.length) trimmedSome++;
    }
    assert.ok(trimmedSome > 10_000, `only ${trimmedSome} inputs had anything trimmed`);
  });

  it('keeps what is between the spaces, and trims all-space input to nothing', () => {
    assert.equal(trimmed(Buffer.from('\u3000\u00a0 a \u2028b\u0085\n', 'utf8')), Buffer.from('a \u2028b', 'utf8').toString('latin1'));
    assert.deepEqual(trimmedSpace(Buffer.from(' \u2000\t', 'utf8')), [5, 5]);
    assert.deepEqual(trimmedSpace(Buffer.alloc(0)), [0, 0]);
  });
});
