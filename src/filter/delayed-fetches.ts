// git's `delay` capability (gitattributes(5) "Delay"): the filter answers `status=delayed` for a
// hydrated path, fetches in the background while git goes on with the checkout, then tells git on
// `list_available_blobs` which paths are ready, and git asks for each again (with empty content),
// so we keep each path's result until then. Many objects download at once, up to `concurrency`.
// Work that must wait until git has asked for every path of the checkout (`afterRequests`) starts
// at the next list_available_blobs, which git sends only then, and takes no download slot.
// A fetch that rejects (it should not: Smudger.fetch answers a failure with the pointer) is still
// listed, and handed out as its Error, for git to get status=error: never a path git waits for in vain.
import pLimit, { type LimitFunction } from 'p-limit';
import { asError } from '../errors/index.js';

export class DelayedFetches<Result> {
  readonly #limit: LimitFunction;
  #running = 0; // scheduled, not finished
  readonly #ready = new Map<string, Result | Error>(); // finished, not yet listed to git
  readonly #listed = new Map<string, Result | Error>(); // listed, waiting for git's request
  #wake: (() => void) | undefined;
  maxConcurrent = 0;

  constructor(concurrency: number) {
    this.#limit = pLimit(concurrency);
  }

  readonly #afterRequests: Array<() => void> = [];

  schedule(pathname: string, fetch: () => Promise<Result>): void {
    this.#run(pathname, () =>
      this.#limit(async () => {
        this.maxConcurrent = Math.max(this.maxConcurrent, this.#limit.activeCount);
        return fetch();
      }),
    );
  }

  // Delayed like `schedule`, but started only once git has asked for every path (see above).
  afterRequests(pathname: string, work: () => Promise<Result>): void {
    this.#running++;
    this.#afterRequests.push(() => this.#run(pathname, work, false));
  }

  #run(pathname: string, work: () => Promise<Result>, count = true): void {
    if (count) this.#running++;
    const done = (result: Result | Error): void => {
      this.#running--;
      this.#ready.set(pathname, result);
      this.#wake?.();
    };
    void work().then(done, (err: unknown) => done(asError(err)));
  }

  // Blocks until at least one delayed path is ready; an empty list means none is left.
  async available(): Promise<string[]> {
    for (const start of this.#afterRequests.splice(0)) start();
    while (this.#ready.size === 0 && this.#running > 0) {
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
    this.#wake = undefined;
    const paths = [...this.#ready.keys()];
    for (const [path, result] of this.#ready) this.#listed.set(path, result);
    this.#ready.clear();
    return paths;
  }

  // The result for a path git was told is ready; each is handed out once.
  take(pathname: string): Result | Error | undefined {
    const result = this.#listed.get(pathname);
    this.#listed.delete(pathname);
    return result;
  }
}
