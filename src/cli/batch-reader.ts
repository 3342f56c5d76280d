// The engine of the batch modes (`path --batch`, `cat --batch`, git's `cat-file --batch` idiom):
// requests come in one at a time, each is started as soon as it arrives (up to `jobs` of them
// ahead of the answer being written), and the answers go out strictly in request order, each as
// soon as it and those before it are ready. Nothing waits for the end of the input: a co-process
// that writes one request and waits for its answer gets it.

export type Outcome<A> = { ok: true; value: A } | { ok: false; error: unknown };

export interface OrderedAnswers<R, A> {
  requests: AsyncIterable<R>;
  // At most this many requests are started and not yet answered (at least 1).
  jobs: number;
  // The work of one request (a fetch); its failure becomes that request's answer.
  start(request: R): Promise<A>;
  // Writes one answer; resolves once it is written (backpressure). Returns false when the reader
  // went away: nothing more is written, no more requests are read or started.
  write(request: R, outcome: Outcome<A>): Promise<boolean>;
  // What a started request holds once it is answered or abandoned (an open file).
  release?(value: A): void | Promise<void>;
}

// Resolves when every request read has been answered, or the reader went away (then requests
// still being worked on are abandoned: released once they settle). Rejects with the input's
// error (a request too long, a read error) once the answers before it are written.
export async function answerInOrder<R, A>(options: OrderedAnswers<R, A>): Promise<void> {
  const jobs = Math.max(1, Math.floor(options.jobs));
  const pending: Array<{ request: R; outcome: Promise<Outcome<A>> }> = [];
  const changed = new Signal();
  let inputDone = false;
  let inputError: { error: unknown } | undefined;
  let stopped = false;

  const reading = (async () => {
    try {
      for await (const request of options.requests) {
        if (stopped) break;
        pending.push({ request, outcome: settle(options.start, request) });
        changed.notify();
        // The next request is read only once there is room to start it.
        while (pending.length >= jobs && !stopped) await changed.wait();
        if (stopped) break;
      }
    } catch (error) {
      inputError = { error };
    } finally {
      inputDone = true;
      changed.notify();
    }
  })();

  try {
    for (;;) {
      const head = pending[0];
      if (head === undefined) {
        if (inputDone) break;
        await changed.wait();
        continue;
      }
      const outcome = await head.outcome;
      const more = await options.write(head.request, outcome);
      pending.shift();
      await releaseOutcome(options, outcome);
      changed.notify();
      if (!more) {
        stopped = true;
        break;
      }
    }
  } finally {
    stopped = true;
    changed.notify();
    // Abandoned work: whatever it holds is released when it settles; nobody waits for it.
    for (const { outcome } of pending.splice(0)) void outcome.then((o) => releaseOutcome(options, o));
  }
  // A reader that went away ends the batch whatever the input does; otherwise the input ended.
  if (!inputDone) return;
  await reading;
  if (inputError) throw inputError.error;
}

function settle<R, A>(start: (request: R) => Promise<A>, request: R): Promise<Outcome<A>> {
  try {
    return start(request).then(
      (value): Outcome<A> => ({ ok: true, value }),
      (error: unknown): Outcome<A> => ({ ok: false, error }),
    );
  } catch (error) {
    return Promise.resolve({ ok: false, error });
  }
}

async function releaseOutcome<R, A>(options: OrderedAnswers<R, A>, outcome: Outcome<A>): Promise<void> {
  if (outcome.ok && options.release) await Promise.resolve(options.release(outcome.value)).catch(() => undefined);
}

// Wakes every waiter on each notify(); a waiter re-checks its condition (no lost wake-up: the
// state is always checked before waiting, and everything here runs on one thread).
class Signal {
  private waiters: Array<() => void> = [];
  wait(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
  notify(): void {
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }
}
