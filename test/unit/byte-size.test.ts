import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseByteSize } from '../../src/util/byte-size.js';

describe('parseByteSize', () => {
  it('reads bytes, binary units (k, KiB…) and decimal units (kB, MB…)', () => {
    const cases: Array<[string, number]> = [
      ['1048576', 1048576],
      ['0', 0],
      ['100k', 102_400],
      ['1.5g', 1.5 * 1024 ** 3],
      ['20GiB', 20 * 1024 ** 3],
      ['500MB', 500_000_000],
      [' 2 TB ', 2e12],
      ['7b', 7],
    ];
    for (const [text, bytes] of cases) assert.equal(parseByteSize(text), bytes, text);
  });

  it('refuses what is not a size', () => {
    for (const text of ['', 'lots', '-1', '1e9', '10 parsecs', '1.2.3', 'GB', '9'.repeat(30)]) assert.equal(parseByteSize(text), undefined, text);
  });
});
