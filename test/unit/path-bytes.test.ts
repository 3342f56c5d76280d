// File names as git holds them (bytes) and as lfs-lazy holds them (strings): every byte sequence
// must survive the round trip, and valid UTF-8 must decode exactly as Node decodes it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToPath, fsPath, pathToBytes } from '../../src/util/path-bytes.js';

// A seeded generator, so that a failure names the seed and can be replayed.
function bytesFrom(seed: number, length: number): Buffer {
  let x = seed >>> 0 || 1;
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

describe('bytesToPath / pathToBytes', () => {
  it('decodes valid UTF-8 exactly as Buffer.toString does, and encodes it back', () => {
    for (const text of ['a.bin', 'données/é.json', '日本語/ファイル.bin', 'emoji 😀.bin', 'U+10080 \u{10080}', '']) {
      const bytes = Buffer.from(text, 'utf8');
      assert.equal(bytesToPath(bytes), text);
      assert.ok(pathToBytes(text).equals(bytes), text);
    }
  });

  it('turns each byte of an invalid sequence into the lone surrogate U+DC00+byte', () => {
    assert.equal(bytesToPath(Buffer.from([0x61, 0xff, 0x2e, 0x62])), 'a\udcff.b');
    // A lead byte cut short: only it is escaped, the ASCII after it is itself.
    assert.equal(bytesToPath(Buffer.from([0xc3, 0x41])), '\udcc3A');
    // Overlong encodings, encoded surrogates and code points beyond U+10FFFF are not UTF-8.
    assert.equal(bytesToPath(Buffer.from([0xc0, 0xaf])), '\udcc0\udcaf');
    assert.equal(bytesToPath(Buffer.from([0xed, 0xb3, 0xbf])), '\udced\udcb3\udcbf');
    assert.equal(bytesToPath(Buffer.from([0xf4, 0x90, 0x80, 0x80])), '\udcf4\udc90\udc80\udc80');
    // Latin-1 text: every high byte escaped.
    assert.equal(bytesToPath(Buffer.from('caf\xe9.bin', 'latin1')), 'caf\udce9.bin');
  });

  it('round-trips any byte sequence (20,000 seeded random names)', () => {
    for (let seed = 1; seed <= 20_000; seed++) {
      const bytes = bytesFrom(seed, 1 + (seed % 23));
      const path = bytesToPath(bytes);
      assert.ok(pathToBytes(path).equals(bytes), `seed ${seed}: ${bytes.toString('hex')}`);
      assert.equal(bytesToPath(pathToBytes(path)), path, `seed ${seed}`);
    }
  });

  it('a valid surrogate pair whose low half is in U+DC80..U+DCFF stays one character', () => {
    const astral = '\ud800\udc80'; // U+10080
    assert.ok(pathToBytes(astral).equals(Buffer.from([0xf0, 0x90, 0x82, 0x80])));
    assert.ok(pathToBytes(`\udcff${astral}\udc80`).equals(Buffer.from([0xff, 0xf0, 0x90, 0x82, 0x80, 0x80])));
  });

  it('fsPath is a plain string unless the path carries escaped bytes', () => {
    assert.equal(fsPath('/repo', 'data/é.bin'), '/repo/data/é.bin');
    const odd = fsPath('/repo', 'data/a\udcff.bin');
    assert.ok(Buffer.isBuffer(odd));
    assert.ok(odd.equals(Buffer.concat([Buffer.from('/repo/data/a'), Buffer.from([0xff]), Buffer.from('.bin')])));
  });
});
