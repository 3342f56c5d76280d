// A body that breaks off continues where it stopped, within the operation's one retry budget
// (src/store/resumable-body.ts); on a fake clock, so no test sleeps.
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { StorageError } from '../../src/errors/index.js';
import { resumableBody } from '../../src/store/resumable-body.js';
import { RetryBudget, type Clock } from '../../src/util/retry.js';

const clock: Clock = { now: () => 0, sleep: async () => undefined };
const data = Buffer.from('0123456789abcdefghijklmnopqrstuvwxyz');

// The object from `from` (or from `start`), breaking off after `cut` bytes when given.
function response(start: number, cut?: number, failure: Error = new StorageError('connection reset (ECONNRESET)')): Readable {
  const bytes = data.subarray(start);
  if (cut === undefined) return Readable.from([bytes]);
  return Readable.from(
    (async function* () {
      yield bytes.subarray(0, cut);
      throw failure;
    })(),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function body(options: { start?: number; first: Readable; reopen: (from: number | undefined) => Promise<Readable>; attempts?: number; length?: number }): { stream: Readable; retries: RetryBudget } {
  const retries = new RetryBudget({ policy: { attempts: options.attempts ?? 5, baseDelayMs: 1, maxDelayMs: 1 }, clock });
  const start = options.start ?? 0;
  const stream = resumableBody({
    body: options.first,
    start,
    length: options.length ?? data.length - start,
    retries,
    reopen: options.reopen,
    truncated: (received, expected) => new StorageError(`ended after ${received} of ${expected} bytes`),
  });
  return { stream, retries };
}

describe('resumableBody', () => {
  it('continues from where the data stopped, byte for byte, charging one attempt per break', async () => {
    const asked: Array<number | undefined> = [];
    const { stream, retries } = body({
      first: response(0, 10),
      reopen: async (from) => (asked.push(from), response(from!, asked.length === 1 ? 5 : undefined)),
    });
    assert.deepEqual(await readAll(stream), data);
    assert.deepEqual(asked, [10, 15]);
    assert.equal(retries.attempts, 2);
  });

  it('resumes a ranged read from its own offset', async () => {
    const asked: Array<number | undefined> = [];
    const { stream } = body({ start: 20, first: response(20, 4), reopen: async (from) => (asked.push(from), response(from!)) });
    assert.deepEqual(await readAll(stream), data.subarray(20));
    assert.deepEqual(asked, [24]);
  });

  it('repeats the first request unchanged when nothing arrived before the break', async () => {
    const asked: Array<number | undefined> = [];
    const { stream } = body({ first: response(0, 0), reopen: async (from) => (asked.push(from), response(0)) });
    assert.deepEqual(await readAll(stream), data);
    assert.deepEqual(asked, [undefined]);
  });

  it('takes a clean end short of the announced length for a break, and resumes it', async () => {
    const { stream } = body({ first: Readable.from([data.subarray(0, 7)]), reopen: async (from) => response(from!) });
    assert.deepEqual(await readAll(stream), data);
  });

  it('gives up when the budget is spent: attempts in all, never more', async () => {
    let requests = 1;
    const { stream, retries } = body({ attempts: 3, first: response(0, 2), reopen: async (from) => (requests++, response(from!, 2)) });
    await assert.rejects(readAll(stream), /connection reset/);
    assert.equal(requests, 3);
    assert.equal(retries.attempts, 3);
  });

  it('never resumes after a failure that is not transient', async () => {
    let reopened = 0;
    const refused = new StorageError('the object changed', { retryable: false });
    const { stream } = body({ first: response(0, 3, refused), reopen: async () => (reopened++, response(0)) });
    await assert.rejects(readAll(stream), (err) => err === refused);
    assert.equal(reopened, 0);
  });

  it('a reader that goes away releases the body and never causes a resume', async () => {
    let reopened = 0;
    let released = false;
    const first = new Readable({ read() {} });
    first.on('close', () => (released = true));
    first.push(data.subarray(0, 5));
    const { stream } = body({ first, reopen: async () => (reopened++, response(0)) });
    // The first chunk arrives, then the body stalls (like a socket that stopped sending).
    const chunk = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    assert.deepEqual(chunk, data.subarray(0, 5));
    stream.destroy();
    await tick();
    assert.equal(released, true);
    assert.equal(reopened, 0);
  });
});
