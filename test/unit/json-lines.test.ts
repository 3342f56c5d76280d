import assert from 'node:assert/strict';
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineWriter, readLines, type LineItem } from '../../src/transport/json-lines.js';

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

class SlowWritable extends Writable {
  readonly received: string[] = [];
  maxBuffered = 0;
  constructor(highWaterMark: number) {
    super({ highWaterMark, decodeStrings: false });
  }
  override _write(chunk: string, _encoding: string, done: (err?: Error) => void): void {
    this.received.push(chunk);
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    setTimeout(done, 2);
  }
}

describe('LineWriter', () => {
  it('writes lines in order and waits for drain instead of piling up', async () => {
    const output = new SlowWritable(16);
    const writer = new LineWriter(output);
    const line = (i: number): string => `{"n":${String(i).padStart(12, '0')}}\n`; // 21 bytes > highWaterMark
    let drains = 0;
    output.on('drain', () => drains++);
    for (let i = 0; i < 20; i++) await writer.write(line(i));
    await writer.flush();
    assert.deepEqual(output.received, Array.from({ length: 20 }, (_, i) => line(i)));
    assert.ok(drains >= 19, `expected to wait for drain each time, saw ${drains}`);
    // Never more than one line queued beyond the one being written.
    assert.ok(output.maxBuffered <= 2 * line(0).length);
  });

  it('keeps order when callers do not await', async () => {
    const output = new SlowWritable(8);
    const writer = new LineWriter(output);
    const all = Array.from({ length: 50 }, (_, i) => `${i}\n`);
    for (const l of all) void writer.write(l);
    await writer.flush();
    assert.deepEqual(output.received, all);
  });

  it('stops quietly on EPIPE and never throws afterwards', async () => {
    let writes = 0;
    const output = new Writable({
      write(_chunk, _encoding, done) {
        writes++;
        const err: NodeJS.ErrnoException = new Error('write EPIPE');
        err.code = 'EPIPE';
        done(err);
      },
    });
    const writer = new LineWriter(output);
    await writer.write('a\n');
    await writer.flush();
    assert.equal(writer.closed, true);
    await writer.write('b\n');
    await writer.flush();
    assert.equal(writes, 1);
  });

  it('does nothing once the output is destroyed, even while waiting for drain', async () => {
    const output = new PassThrough({ highWaterMark: 4 });
    const writer = new LineWriter(output);
    const pending = writer.write('0123456789\n'); // over the mark: waits for a drain that never comes
    await sleep(5);
    output.destroy();
    await pending;
    await writer.write('more\n');
    await writer.flush();
    assert.equal(writer.closed, true);
  });

  it('survives a real EPIPE from a closed pipe (child process stdin)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', 'process.stdin.destroy()'], { stdio: ['pipe', 'ignore', 'ignore'] });
    await once(child, 'exit');
    const writer = new LineWriter(child.stdin);
    for (let i = 0; i < 5; i++) await writer.write(`${'x'.repeat(70_000)}\n`);
    await writer.flush();
    assert.equal(writer.closed, true);
  });
});
