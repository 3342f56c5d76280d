// The smudge filter's decisions (checkout, clone, pull, stash pop, rebase…), shared by
// filter-process and the single-file `smudge`. The lazy policy (docs/lazy-policy.md):
//   - a blob that is not a pointer passes through;
//   - a path the user took out (`dehydrate`, an explicit `!pattern`) gets its pointer;
//   - content whose object is already in the local store is given, as plain git-lfs would: a
//     branch switch or stash pop never hides what the machine has behind a pointer;
//   - a path the policy selects gets its content, fetched and verified first;
//   - anything else stays the pointer exactly as stored (not re-encoded, so `git status` stays clean).
// A failed fetch never fails the checkout: the pointer stays and one line on stderr says which
// file, which object and why.
import { messageOf } from '../errors/index.js';
import type { LocalObjectStore } from '../local/local-object-store.js';
import type { Logger } from '../log/logger.js';
import { MAX_POINTER_SIZE, isCanonicalPointer, parsePointer, type Pointer } from '../protocol/pointer.js';
import type { ObjectStore } from '../store/object-store.js';
import type { HydrationPolicy } from '../hydration/hydration-policy.js';

// What to give git for one path: these exact bytes, or the content of this local object file
// (with the pointer to give instead should the file turn out to be unreadable).
export type SmudgeResult = { bytes: Buffer } | { objectPath: string; pointerBytes: Buffer };

// A hydrated path whose object is not local yet: the caller fetches it now or in the background.
export interface PendingFetch {
  pathname: string;
  blob: Buffer;
  pointer: Pointer;
  // Not selected itself: only waits for the download of a selected path of this checkout, and
  // starts none (so it must not hold one of the download slots while it waits).
  follow?: true;
}

export interface DecideOptions {
  // The caller can answer this path after every other path of the checkout was asked for (git's
  // `delay`): a path not selected, whose object is not here, then waits to see whether a selected
  // path of the same checkout fetches that object, and gets the content if one does.
  canWaitForCheckout?: boolean;
}

export interface SmudgerOptions {
  local: LocalObjectStore;
  remote: () => Promise<ObjectStore>;
  policy: () => Promise<Pick<HydrationPolicy, 'decide' | 'wasDehydrated' | 'selectsAny'>>;
  // Objects fetched for on-demand reads (cat, path, the library): not a reason to materialise a
  // file, but a fetch for a selected path takes the object from there instead of the bucket.
  readCache?: LocalObjectStore;
  // One line for the user (stderr), without the newline.
  report: (line: string) => void;
  // How that line names a path (quoted as git quotes it); as it is by default.
  show?: (path: string) => string;
  logger: Logger;
}

export class Smudger {
  // One download per object, however many paths share it.
  readonly #fetches = new Map<string, Promise<string>>();
  // Objects a selected path of this checkout is fetching (or queued to fetch): settles with the
  // object's path once fetched, undefined if the fetch failed.
  readonly #wanted = new Map<string, { settled: Promise<string | undefined>; settle: (path: string | undefined) => void }>();
  fetched = 0;
  failed = 0;

  constructor(private readonly options: SmudgerOptions) {}

  // Everything but the download: a result, or the fetch still to be done.
  async decide(pathname: string, blob: Buffer, options: DecideOptions = {}): Promise<SmudgeResult | PendingFetch> {
    const pointer = blob.length < MAX_POINTER_SIZE ? parsePointer(blob) : undefined;
    if (pointer === undefined || blob.length === 0) return { bytes: blob };
    const policy = await this.options.policy();
    const decision = policy.decide(pathname);
    // Excluded: a pointer for what the user dehydrated, or what is not here. Other content of an
    // excluded path (a stashed edit, a version only this machine has) is given like any local object.
    if (decision === 'excluded' && (policy.wasDehydrated(pointer.oid, pathname) || pointer.size === 0)) return { bytes: blob };
    if (pointer.extensions.length > 0) {
      // git-lfs refuses these too ("extension is not configured"); the pointer is the safe answer.
      if (decision === 'selected') {
        const names = pointer.extensions.map((e) => e.name).join(', ');
        this.#reportFailure(pathname, pointer.oid, `its pointer uses the extension(s) ${names}, which lfs-lazy does not apply`);
      }
      return { bytes: blob };
    }
    // The empty object needs no store: git-lfs materialises it from nothing too.
    if (pointer.size === 0) return { bytes: Buffer.alloc(0) };
    // A pointer committed in a form git-lfs would not write (CRLF, extra spaces) cleans back to a
    // different blob once it holds its content, so git would call it modified: unless selected it
    // stays as committed. Its object is in the store either way, so nothing is hidden.
    if (decision !== 'selected' && !isCanonicalPointer(blob)) return { bytes: blob };
    const { local } = this.options;
    if (await local.has(pointer.oid, pointer.size)) return { objectPath: local.pathFor(pointer.oid), pointerBytes: blob };
    // Not selected and not here: the pointer — unless a selected path of this checkout fetches the
    // same object (git-lfs gives every path of an object its content). git asks in path order, so
    // that path may come later: where the caller can wait for the end of the checkout, it does.
    if (decision !== 'selected') {
      const follows = this.#wanted.has(pointer.oid) || (options.canWaitForCheckout === true && policy.selectsAny);
      return follows ? { pathname, blob, pointer, follow: true } : { bytes: blob };
    }
    if (!this.#wanted.has(pointer.oid)) {
      let settle!: (path: string | undefined) => void;
      const settled = new Promise<string | undefined>((resolve) => (settle = resolve));
      this.#wanted.set(pointer.oid, { settled, settle });
    }
    return { pathname, blob, pointer };
  }

  // Fetches (verified) into the local store; on failure, reports it and answers with the pointer.
  // Never rejects.
  async fetch({ pathname, blob, pointer, follow }: PendingFetch): Promise<SmudgeResult> {
    const { local, remote, logger } = this.options;
    if (follow) {
      // Content if a selected path's fetch brought the object (or it is here by now), else the pointer;
      // a failed fetch is reported by the selected path.
      const fetched = await this.#wanted.get(pointer.oid)?.settled;
      if (fetched !== undefined) return { objectPath: fetched, pointerBytes: blob };
      const here = await local.has(pointer.oid, pointer.size);
      return here ? { objectPath: local.pathFor(pointer.oid), pointerBytes: blob } : { bytes: blob };
    }
    let download = this.#fetches.get(pointer.oid);
    if (download === undefined) {
      const { readCache } = this.options;
      download = local.ensure(remote, pointer.oid, pointer.size, { logger, ...(readCache && { from: readCache }) });
      this.#fetches.set(pointer.oid, download);
      const wanted = this.#wanted.get(pointer.oid);
      download.then(
        (objectPath) => wanted?.settle(objectPath),
        () => {
          // A failure may be transient: a later checkout of the same object tries again.
          this.#fetches.delete(pointer.oid);
          this.#wanted.delete(pointer.oid);
          wanted?.settle(undefined);
        },
      );
    }
    try {
      const objectPath = await download;
      this.fetched++;
      logger.debug({ pathname, oid: pointer.oid }, 'fetched');
      return { objectPath, pointerBytes: blob };
    } catch (err) {
      this.#reportFailure(pathname, pointer.oid, messageOf(err), err);
      return { bytes: blob };
    }
  }

  async smudge(pathname: string, blob: Buffer): Promise<SmudgeResult> {
    const decision = await this.decide(pathname, blob);
    return 'pointer' in decision ? this.fetch(decision) : decision;
  }

  // For a local object that could not be read after all: the same one-line report.
  reportUnreadable(pathname: string, pointerBytes: Buffer, err: unknown): void {
    const oid = parsePointer(pointerBytes)?.oid ?? 'unknown';
    this.#reportFailure(pathname, oid, `reading the local object failed: ${(err as Error).message}`, err);
  }

  #reportFailure(pathname: string, oid: string, cause: string, err?: unknown): void {
    this.failed++;
    this.options.logger.debug({ err, pathname, oid }, 'left the pointer in place'); // the user gets the report line
    const oneLine = cause.replace(/\s*[\r\n]+\s*/g, ' ');
    const shown = this.options.show?.(pathname) ?? pathname;
    this.options.report(`lfs-lazy: could not fetch ${shown} (oid ${oid}), left its pointer in place: ${oneLine}`);
  }
}
