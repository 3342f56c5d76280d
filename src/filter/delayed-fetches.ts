// git's `delay` capability (gitattributes(5) "Delay"): the filter answers `status=delayed` for a
// hydrated path, fetches in the background while git goes on with the checkout, then tells git on
// `list_available_blobs` which paths are ready, and git asks for each again (with empty content),
// so we keep each path's result until then. Many objects download at once, up to `concurrency`.
import pLimit, { type LimitFunction } from 'p-limit';
import type { SmudgeResult } from './smudge.js';

export class DelayedFetches {
  readonly #limit: LimitFunction;
  #running = 0; // scheduled, not finished
  readonly #ready = new Map<string, SmudgeResult>(); // finished, not yet listed to git
  readonly #listed = new Map<string, SmudgeResult>(); // listed, waiting for git's request
  #wake: (() => void) | undefined;
  maxConcurrent = 0;

  constructor(concurrency: number) {
    this.#limit = pLimit(concurrency);
  }

  // `fetch` must not reject (Smudger.fetch answers a failure with the pointer).
  schedule(pathname: string, fetch: () => Promise<SmudgeResult>): void {
    this.#running++;
    void this.#limit(async () => {
      this.maxConcurrent = Math.max(this.maxConcurrent, this.#limit.activeCount);
      return fetch();
    }).then((result) => {
      this.#running--;
      this.#ready.set(pathname, result);
      this.#wake?.();
    });
  }

  // Blocks until at least one delayed path is ready; an empty list means none is left.
  async available(): Promise<string[]> {
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
  take(pathname: string): SmudgeResult | undefined {
    const result = this.#listed.get(pathname);
    this.#listed.delete(pathname);
    return result;
  }
}
