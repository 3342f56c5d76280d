// The batch modes' machinery without a repository: requests split from the input as they arrive
// (batch-requests.ts), answers in request order with at most `jobs` started ahead, each written
// before the input ends (batch-reader.ts), and the answers' bytes (batch-answers.ts).
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { catHeader, catTrailer, errorAnswer, pathAnswer } from '../../src/cli/batch-answers.js';
import { answerInOrder, type Outcome } from '../../src/cli/batch-reader.js';
import { batchRequests, MAX_REQUEST_BYTES } from '../../src/cli/batch-requests.js';

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

// Requests pushed by the test one at a time, as a co-process writes them; `end()` closes the input.
class RequestQueue implements AsyncIterable<string> {
  private items: string[] = [];
  private ended = false;
  private waiting: Deferred<void> | undefined;
  pulled = 0;
  push(...items: string[]): void {
    this.items.push(...items);
    this.waiting?.resolve();
  }
  end(): void {
    this.ended = true;
    this.waiting?.resolve();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<string> {
    for (;;) {
      const next = this.items.shift();
      if (next !== undefined) {
        this.pulled++;
        yield next;
        continue;
      }
      if (this.ended) return;
      this.waiting = deferred<void>();
      await this.waiting.promise;
    }
  }
}

// Resolves when `count` reaches `target` (checked each time `bump` is called).
function counter(): { count: number; bump(): void; reach(target: number): Promise<void> } {
  const waits: Array<{ target: number; done: () => void }> = [];
  const c = {
    count: 0,
    bump() {
      c.count++;
      for (const w of waits.filter((w) => c.count >= w.target)) w.done();
    },
    reach(target: number) {
      if (c.count >= target) return Promise.resolve();
      return new Promise<void>((done) => waits.push({ target, done }));
    },
  };
  return c;
}

async function collect(requests: AsyncIterable<Buffer>): Promise<string[]> {
  const out: string[] = [];
  for await (const r of requests) out.push(r.toString('latin1'));
  return out;
}

describe('batch requests', () => {
  it('splits on LF or NUL across chunk boundaries, keeps CR and empty records, and takes a last record without a separator', async () => {
    const lf = await collect(batchRequests(['a.bin\nb', '.bin\n', '\nc\r\n', 'd/e', '.bin'].map((s) => Buffer.from(s)), 0x0a));
    assert.deepEqual(lf, ['a.bin', 'b.bin', '', 'c\r', 'd/e.bin']);
    const nul = await collect(batchRequests([Buffer.from('two\nlines\0'), Buffer.from([0x61, 0xff, 0]), Buffer.from('x\0')], 0x00));
    assert.deepEqual(nul, ['two\nlines', 'a\xff', 'x']);
  });

  it('hands each request on when its separator arrives, not when more input comes', async () => {
    const input = new PassThrough();
    const requests = batchRequests(input, 0x0a);
    input.write('first\nsec');
    assert.equal((await requests.next()).value?.toString(), 'first');
    const second = requests.next();
    input.write('ond\n');
    assert.equal((await second).value?.toString(), 'second');
    input.end();
    assert.equal((await requests.next()).done, true);
  });

  it('refuses a request longer than any path, with a hint about -z', async () => {
    const long = Buffer.alloc(MAX_REQUEST_BYTES + 1, 0x61);
    await assert.rejects(collect(batchRequests([long.subarray(0, 1000), long.subarray(1000)], 0x0a)), /without a separator: is the input NUL-separated \(-z\)\?/);
    assert.deepEqual(await collect(batchRequests([long.subarray(1), Buffer.from('\n')], 0x0a)).then((r) => r.map((x) => x.length)), [MAX_REQUEST_BYTES]);
  });
});

describe('answers in order', { timeout: 10_000 }, () => {
  it('writes answers in request order whatever order the work finishes in', async () => {
    const works = new Map<string, Deferred<string>>();
    const started = counter();
    const written: string[] = [];
    const requests = new RequestQueue();
    requests.push('a', 'b', 'c', 'd');
    requests.end();
    const done = answerInOrder<string, string>({
      requests,
      jobs: 4,
      start: (r) => {
        const d = deferred<string>();
        works.set(r, d);
        started.bump();
        return d.promise;
      },
      write: async (r, outcome) => {
        written.push(`${r}=${outcome.ok ? outcome.value : 'error'}`);
        return true;
      },
    });
    await started.reach(4);
    for (const r of ['d', 'c', 'b']) works.get(r)!.resolve(r.toUpperCase());
    assert.deepEqual(written, [], 'an answer went out before the one before it');
    works.get('a')!.resolve('A');
    await done;
    assert.deepEqual(written, ['a=A', 'b=B', 'c=C', 'd=D']);
  });

  it('answers each request before the next one is sent (a co-process waiting on each answer does not deadlock)', async () => {
    const requests = new RequestQueue();
    const answered = counter();
    const written: string[] = [];
    const done = answerInOrder<string, string>({
      requests,
      jobs: 8,
      start: async (r) => `local/${r}`,
      write: async (_r, outcome) => {
        written.push(outcome.ok ? outcome.value : 'error');
        answered.bump();
        return true;
      },
    });
    for (const [i, r] of ['x.bin', 'y.bin', 'z.bin'].entries()) {
      requests.push(r);
      // The input stays open: only the answer to this request can end this wait.
      await answered.reach(i + 1);
      assert.equal(written[i], `local/${r}`);
    }
    requests.end();
    await done;
    assert.equal(written.length, 3);
  });

  it('starts at most `jobs` requests ahead of the answer being written, and does use all of them', async () => {
    const jobs = 3;
    const requests = new RequestQueue();
    requests.push(...Array.from({ length: 10 }, (_, i) => `r${i}`));
    requests.end();
    const works: Array<Deferred<string>> = [];
    const started = counter();
    let answered = 0;
    let maxAhead = 0;
    const done = answerInOrder<string, string>({
      requests,
      jobs,
      start: () => {
        maxAhead = Math.max(maxAhead, started.count + 1 - answered);
        assert.ok(started.count + 1 - answered <= jobs, `request ${started.count} started with only ${answered} answered`);
        const d = deferred<string>();
        works.push(d);
        started.bump();
        return d.promise;
      },
      write: async () => {
        answered++;
        return true;
      },
    });
    await started.reach(jobs);
    // The reader holds back: the next request is not even read before an answer is written.
    assert.equal(requests.pulled, jobs);
    for (let i = 0; i < 10; i++) {
      await started.reach(Math.min(i + jobs, 10));
      works[i]!.resolve(`v${i}`);
    }
    await done;
    assert.equal(answered, 10);
    assert.equal(maxAhead, jobs);
  });

  it('a failed request is its own answer and the batch goes on', async () => {
    const requests = new RequestQueue();
    requests.push('ok1', 'bad', 'ok2');
    requests.end();
    const outcomes: Array<[string, Outcome<string>]> = [];
    await answerInOrder<string, string>({
      requests,
      jobs: 2,
      start: async (r) => {
        if (r === 'bad') throw new Error('data/bad.bin: object abc is missing\nfrom the bucket');
        return r;
      },
      write: async (r, outcome) => {
        outcomes.push([r, outcome]);
        return true;
      },
    });
    assert.deepEqual(outcomes.map(([r, o]) => `${r}:${o.ok}`), ['ok1:true', 'bad:false', 'ok2:true']);
    const bad = outcomes[1]![1];
    assert.ok(!bad.ok);
    assert.equal(errorAnswer(Buffer.from('bad'), bad.error, { json: false, separator: 0x0a }).toString(), 'bad error data/bad.bin: object abc is missing from the bucket\n');
  });

  it('stops reading and starting once the reader went away, without waiting for the input to end, and releases what was started', async () => {
    const requests = new RequestQueue();
    requests.push('a', 'b', 'c');
    const works: Array<Deferred<string>> = [];
    const released: string[] = [];
    const started = counter();
    const writes: string[] = [];
    const done = answerInOrder<string, string>({
      requests,
      jobs: 3,
      start: () => {
        const d = deferred<string>();
        works.push(d);
        started.bump();
        return d.promise;
      },
      write: async (r) => {
        writes.push(r);
        return false; // EPIPE
      },
      release: (value) => void released.push(value),
    });
    await started.reach(3);
    works[0]!.resolve('A');
    await done; // the input never ended
    requests.push('d');
    works[1]!.resolve('B');
    works[2]!.reject(new Error('late failure'));
    await Promise.all(works.map((w) => w.promise.catch(() => undefined)));
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.deepEqual(writes, ['a']);
    assert.equal(started.count, 3, 'a request was started after the reader went away');
    assert.deepEqual(released.sort(), ['A', 'B']);
  });

  it("rejects with the input's error once the answers before it are written", async () => {
    const written: string[] = [];
    const input = (async function* () {
      yield 'a';
      yield 'b';
      throw new Error('stdin: read error');
    })();
    await assert.rejects(
      answerInOrder<string, string>({
        requests: input,
        jobs: 8,
        start: async (r) => r,
        write: async (r) => {
          written.push(r);
          return true;
        },
      }),
      /stdin: read error/,
    );
    assert.deepEqual(written, ['a', 'b']);
  });
});

describe('answer bytes', () => {
  const request = Buffer.from([...Buffer.from('data/a'), 0xff, ...Buffer.from('.bin')]);
  const found = { localPath: '/r/.git/lfs-lazy/read-cache/objects/abcd', size: 5 };

  it('text: the request echoed as its bytes; LF, or NUL with -z', () => {
    const lf = { json: false, separator: 0x0a } as const;
    const z = { json: false, separator: 0x00 } as const;
    assert.deepEqual(pathAnswer(request, found, lf), Buffer.from(`${found.localPath}\n`));
    assert.deepEqual(pathAnswer(request, found, z), Buffer.from(`${found.localPath}\0`));
    assert.deepEqual(catHeader(request, found, lf), Buffer.concat([request, Buffer.from(' 5\n')]));
    assert.deepEqual(catHeader(request, found, z), Buffer.concat([request, Buffer.from(' 5\0')]));
    assert.deepEqual(catTrailer(z), Buffer.from([0]));
    assert.deepEqual(errorAnswer(request, new Error('no\r\nway'), z), Buffer.concat([request, Buffer.from(' error no way\0')]));
  });

  it('json: one line per answer; a byte that is not UTF-8 is \\udcXX, as Python decodes it', () => {
    const json = { json: true, separator: 0x00 } as const;
    const line = pathAnswer(request, found, json).toString();
    assert.equal(line, `{"path":"data/a\\udcff.bin","size":5,"localPath":"${found.localPath}"}\n`);
    assert.deepEqual(catHeader(request, found, json).toString(), line);
    assert.equal(catTrailer(json).toString(), '\n');
    assert.equal(errorAnswer(Buffer.from('two\nlines'), new Error('x\ny'), json).toString(), '{"path":"two\\nlines","error":"x y"}\n');
  });
});
