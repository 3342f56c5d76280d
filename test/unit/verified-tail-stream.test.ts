// The reader's side of a download sent while it is verified: everything but the last chunk goes
// out as it comes, the last one only once `finish` says the object matched; a failure ends the
// stream with its error and the held chunk is never given; the reader's pace holds the download;
// a batch is given as one piece.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VerifiedTailStream } from '../../src/api/verified-tail-stream.js';

const chunk = (byte: number, length = 4): Buffer => Buffer.alloc(length, byte);

// The chunks the stream has given so far, without waiting for more.
function drain(stream: VerifiedTailStream): Buffer[] {
  const got: Buffer[] = [];
  for (let next = stream.read() as Buffer | null; next !== null; next = stream.read() as Buffer | null) got.push(next);
  return got;
}

describe('VerifiedTailStream', () => {
  it('gives every chunk but the last as it comes; the last, then the end, only on finish', async () => {
    const stream = new VerifiedTailStream();
    const ended = new Promise<void>((resolve) => stream.once('end', resolve));
    await stream.feed([chunk(1), chunk(2)]);
    await stream.feed([chunk(3)]);
    assert.deepEqual(Buffer.concat(drain(stream)), Buffer.concat([chunk(1), chunk(2)]));
    stream.finish();
    assert.deepEqual(Buffer.concat(drain(stream)), chunk(3));
    await ended;
  });

  it('a failure ends the stream with its error; the held chunk is never given', async () => {
    const stream = new VerifiedTailStream();
    const given: Buffer[] = [];
    stream.on('data', (c: Buffer) => given.push(c));
    const failed = new Promise<Error>((resolve) => stream.once('error', resolve));
    await stream.feed([chunk(1), chunk(2), chunk(3)]);
    stream.destroy(new Error('hash mismatch'));
    assert.equal((await failed).message, 'hash mismatch');
    assert.deepEqual(Buffer.concat(given), Buffer.concat([chunk(1), chunk(2)]));
    // Fed after the reader is gone: taken at once, nothing kept, no error.
    assert.equal(stream.feed([chunk(4)]), undefined);
  });

  it('holds the feeder while the reader is behind, and lets it go when the reader reads', async () => {
    const stream = new VerifiedTailStream();
    const big = (byte: number): Buffer => chunk(byte, stream.readableHighWaterMark);
    const wait = stream.feed([big(1), big(2), big(3)]);
    assert.ok(wait instanceof Promise, 'the feeder is not held although the reader has read nothing');
    let released = false;
    void wait.then(() => (released = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(released, false, 'released before any read');
    assert.equal(Buffer.concat(drain(stream)).length, 2 * stream.readableHighWaterMark);
    await wait;
    assert.equal(released, true);
  });

  it('a batch goes out as one piece (one write to a socket), the chunk held before it first', async () => {
    const stream = new VerifiedTailStream();
    const given: Buffer[] = [];
    stream.on('data', (c: Buffer) => given.push(c));
    await stream.feed([chunk(1), chunk(2), chunk(3)]);
    await stream.feed([chunk(4), chunk(5)]);
    stream.finish();
    await new Promise((resolve) => stream.once('end', resolve));
    assert.deepEqual(given, [Buffer.concat([chunk(1), chunk(2)]), Buffer.concat([chunk(3), chunk(4)]), chunk(5)]);
  });

  it('an empty chunk changes nothing', async () => {
    const stream = new VerifiedTailStream();
    await stream.feed([chunk(1), Buffer.alloc(0)]);
    assert.deepEqual(drain(stream), []);
    stream.finish();
    assert.deepEqual(Buffer.concat(drain(stream)), chunk(1));
  });
});
