// OrderedWriter under both failure policies: writes reach the stream whole and in call order,
// waiting for 'drain' rather than piling up (either framing: lines or multi-chunk packets);
// 'stop-quietly' (the agent's) never rejects once the reader has gone, real EPIPE included, and
// writes nothing more; 'reject' (the filter's) rejects the failed write, every later one and
// flush with the first failure, and a write to an ended or destroyed stream.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { OrderedWriter, type WriteFailurePolicy } from '../../src/transport/ordered-writer.js';

class SlowWritable extends Writable {
  readonly received: string[] = [];
  maxBuffered = 0;
  constructor(highWaterMark: number) {
    super({ highWaterMark, decodeStrings: false });
  }
  override _write(chunk: string | Buffer, _encoding: string, done: (err?: Error) => void): void {
    this.received.push(chunk.toString());
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    setTimeout(done, 2);
  }
}

function epipe(): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error('write EPIPE');
  err.code = 'EPIPE';
  return err;
}

// A stream whose every write fails with EPIPE; counts the attempts.
function brokenPipe(): Writable & { writes: number } {
  const output = new Writable({
    write(_chunk, _encoding, done) {
      output.writes++;
      done(epipe());
    },
  }) as Writable & { writes: number };
  output.writes = 0;
  return output;
}

for (const onFailure of ['stop-quietly', 'reject'] as WriteFailurePolicy[]) {
  describe(`OrderedWriter (${onFailure}): order and backpressure`, () => {
    it('writes in order and waits for drain instead of piling up', async () => {
      const output = new SlowWritable(16);
      const writer = new OrderedWriter(output, { onFailure });
      const line = (i: number): string => `{"n":${String(i).padStart(12, '0')}}\n`; // 21 bytes > highWaterMark
      let drains = 0;
      output.on('drain', () => drains++);
      for (let i = 0; i < 20; i++) await writer.write(line(i));
      await writer.flush();
      assert.deepEqual(output.received, Array.from({ length: 20 }, (_, i) => line(i)));
      assert.ok(drains >= 19, `expected to wait for drain each time, saw ${drains}`);
      // Never more than one write queued beyond the one being written.
      assert.ok(output.maxBuffered <= 2 * line(0).length);
    });

    it('keeps order when callers do not await, the chunks of one write together', async () => {
      const output = new SlowWritable(8);
      const writer = new OrderedWriter(output, { onFailure });
      const expected: string[] = [];
      for (let i = 0; i < 50; i++) {
        const packet = [Buffer.from(`000${i % 10}`), Buffer.alloc(0), Buffer.from(`payload ${i}`)];
        void writer.write(...packet);
        // Small pieces of one write reach the stream as one chunk: one system call, one wake-up
        // of the reader (git waits for each filter answer).
        expected.push(`000${i % 10}payload ${i}`);
      }
      await writer.flush();
      assert.deepEqual(output.received, expected);
    });

    it('keeps the pieces of a large write apart, so that each waits for drain', async () => {
      const output = new SlowWritable(8);
      const writer = new OrderedWriter(output, { onFailure });
      const pieces = ['a', 'b', 'c'].map((c) => c.repeat(40 * 1024));
      await writer.write(...pieces);
      await writer.flush();
      assert.deepEqual(output.received, pieces);
    });
  });
}

describe("OrderedWriter ('stop-quietly', the agent's)", () => {
  it('stops quietly on EPIPE and never rejects afterwards', async () => {
    const output = brokenPipe();
    const writer = new OrderedWriter(output, { onFailure: 'stop-quietly' });
    await writer.write('a\n');
    await writer.flush();
    assert.equal(writer.closed, true);
    await writer.write('b\n');
    await writer.flush();
    assert.equal(output.writes, 1);
  });

  it('does nothing once the output is destroyed, even while waiting for drain', async () => {
    const output = new PassThrough({ highWaterMark: 4 });
    const writer = new OrderedWriter(output, { onFailure: 'stop-quietly' });
    const pending = writer.write('0123456789\n'); // over the mark: waits for a drain that never comes
    await sleep(5);
    output.destroy();
    await pending;
    await writer.write('more\n');
    await writer.flush();
    assert.equal(writer.closed, true);
  });

  it('survives a real EPIPE from a closed pipe (child process stdin)', async () => {
    const child = spawn(process.execPath, ['-e', 'process.stdin.destroy()'], { stdio: ['pipe', 'ignore', 'ignore'] });
    await once(child, 'exit');
    const writer = new OrderedWriter(child.stdin, { onFailure: 'stop-quietly' });
    for (let i = 0; i < 5; i++) await writer.write(`${'x'.repeat(70_000)}\n`);
    await writer.flush();
    assert.equal(writer.closed, true);
  });
});

describe("OrderedWriter ('reject', the filter's)", () => {
  it('rejects the write that failed, every later one and flush, with the first failure', async () => {
    const output = brokenPipe();
    const writer = new OrderedWriter(output, { onFailure: 'reject' });
    // The stream calls back the failed write after accepting it: the failure shows by flush.
    await writer.write(Buffer.from('0006a\n')).catch(() => undefined);
    await assert.rejects(writer.flush(), { code: 'EPIPE' });
    await assert.rejects(writer.write(Buffer.from('0006b\n')), { code: 'EPIPE' });
    await assert.rejects(writer.flush(), { code: 'EPIPE' });
    assert.equal(output.writes, 1);
  });

  it('rejects a write to a stream that was ended or destroyed', async () => {
    const ended = new PassThrough();
    ended.end();
    await assert.rejects(new OrderedWriter(ended, { onFailure: 'reject' }).write(Buffer.from('x')), /the output stream is closed/);
    const destroyed = new PassThrough({ highWaterMark: 4 });
    const writer = new OrderedWriter(destroyed, { onFailure: 'reject' });
    // Pieces too large to go out as one write: it waits for drain after the first.
    const waiting = writer.write(Buffer.alloc(70 * 1024), Buffer.from('next'));
    await sleep(5);
    destroyed.destroy();
    await assert.rejects(waiting, /the output stream is closed/);
  });

  // (Node destroys the pipe before it reports the EPIPE: the write after may see either first.)
  it('rejects on a real EPIPE from a closed pipe', async () => {
    const child = spawn(process.execPath, ['-e', 'process.stdin.destroy()'], { stdio: ['pipe', 'ignore', 'ignore'] });
    await once(child, 'exit');
    const writer = new OrderedWriter(child.stdin, { onFailure: 'reject' });
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 5; i++) await writer.write(Buffer.alloc(70_000, 0x78));
        await writer.flush();
      })(),
      (err: NodeJS.ErrnoException) => err.code === 'EPIPE' || /the output stream is closed/.test(err.message),
    );
  });
});
