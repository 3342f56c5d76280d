import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLines, type LineItem } from '../../src/transport/json-lines.js';

async function collect(chunks: Array<Buffer | string>, maxLineBytes?: number): Promise<LineItem[]> {
  const items: LineItem[] = [];
  const source = (async function* () {
    yield* chunks;
  })();
  for await (const item of readLines(source, maxLineBytes === undefined ? {} : { maxLineBytes })) items.push(item);
  return items;
}

const lines = (items: LineItem[]): Array<string | Error> => items.map((item) => ('line' in item ? item.line : item.error));

describe('readLines', () => {
  it('yields the same lines at every split point, multi-byte characters included', async () => {
    const text = '{"a":"é€😀"}\n{"b":2}\r\n\nlast';
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 0; cut <= bytes.length; cut++) {
      const items = await collect([bytes.subarray(0, cut), bytes.subarray(cut)]);
      assert.deepEqual(lines(items), ['{"a":"é€😀"}', '{"b":2}', '', 'last'], `cut at ${cut}`);
    }
  });

  it('handles one byte per chunk and string chunks', async () => {
    const text = 'one\ntwo\r\nthree\n';
    assert.deepEqual(lines(await collect([...Buffer.from(text)].map((b) => Buffer.from([b])))), ['one', 'two', 'three']);
    assert.deepEqual(lines(await collect(['on', 'e\ntw', 'o\n'])), ['one', 'two']);
  });

  it('strips CR only from CRLF endings', async () => {
    assert.deepEqual(lines(await collect(['a\r\nb\rc\n'])), ['a', 'b\rc']);
  });

  it('yields a last line without newline, but no phantom empty line', async () => {
    assert.deepEqual(lines(await collect(['x\ny'])), ['x', 'y']);
    assert.deepEqual(lines(await collect(['x\n'])), ['x']);
    assert.deepEqual(lines(await collect([])), []);
  });

  it('reports an oversized line once and carries on with the next', async () => {
    const big = 'z'.repeat(50);
    // Split across chunks so the limit trips before the newline arrives.
    const items = await collect(['ok\n', big.slice(0, 20), big.slice(20), big, '\nnext\n', 'x'.repeat(11), '\n'], 10);
    assert.equal(items.length, 4);
    assert.deepEqual(items[0], { line: 'ok' });
    assert.match(String((items[1] as { error: Error }).error.message), /longer than 10 bytes/);
    assert.deepEqual(items[2], { line: 'next' });
    assert.ok('error' in items[3]!);
  });

  it('accepts a line of exactly the maximum length', async () => {
    assert.deepEqual(lines(await collect(['0123456789\n'], 10)), ['0123456789']);
    assert.ok('error' in (await collect(['0123456789A'], 10))[0]!);
  });
});
