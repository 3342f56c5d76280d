import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorCode, LfsLazyError, messageOf } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import { openRepositoryContext, requireWorktree, type RepositoryContext, type RepositoryContextOptions } from '../repository/context.js';
// Types only: hydrate, status and the manifest load when first called, so that a read (`lfs-lazy
// cat`, `path`) does not load them.
import type { HydrateOptions, HydrateReport } from '../hydration/hydrate.js';
import type { StatusOptions, StatusReport } from '../hydration/status.js';
import type { DatasetManifest, ManifestOptions } from '../dataset/manifest.js';
import { resolveFileSource, type FileSource } from './file-source.js';
import { LfsSnapshots } from '../repository/lfs-snapshots.js';
import { resolveRevisionSource, revisionPath } from './revision-source.js';
import { checkRevision } from '../repository/revision-files.js';
import { LazyStream } from './lazy-stream.js';
import { checkRange, localObjectPath, openContent } from './read-content.js';
import { pathQuoter, type PathQuoter } from '../util/quote-path.js';

/** Options of {@link openRepository}. */
export interface OpenRepositoryOptions {
  /**
   * Environment the lfs-lazy settings are read from (`LFS_LAZY_*`); defaults to `process.env`.
   * AWS credentials always come from the AWS SDK's default provider chain of this process.
   */
  env?: NodeJS.ProcessEnv;
  /** A pino logger for retries and warnings; silent by default. */
  logger?: Logger;
}

/** Options of the read methods: where the file is read from. */
export interface ReadOptions {
  /**
   * A revision: any commit-ish git knows (a branch, a tag, a commit id, `HEAD~2`). The path is then
   * looked up in that commit's tree and its content read from git (an ordinary file) or from the
   * object its pointer names (an LFS file), without looking at or touching the working tree or the
   * index. A revision starting with `-` is refused. Errors name the file as git does, `<rev>:<path>`.
   * Without it: the file as the working tree and the index have it.
   */
  rev?: string | undefined;
}

/** A byte range of {@link Repository.createReadStream}: both ends inclusive, as in `fs.createReadStream`. */
export interface ReadStreamOptions extends ReadOptions {
  /** First byte to read; defaults to 0. A start at or beyond the end of the file reads nothing. */
  start?: number | undefined;
  /** Last byte to read (inclusive); defaults to, and is clamped to, the last byte of the file. */
  end?: number | undefined;
}

/**
 * One git repository with lfs-lazy storage. The read methods take a path relative to the
 * repository root (or to the directory the repository was opened from) and work on LFS files —
 * pointer or hydrated — and ordinary files alike, without changing the working tree; only
 * {@link Repository.hydrate} does that.
 *
 * Paths are strings. A file name that is not valid UTF-8 is given and returned with each byte of
 * an invalid sequence as the lone surrogate U+DC00+byte, as {@link Repository.status} lists it;
 * {@link pathToBytes} gives its bytes (e.g. for `fs`), {@link bytesToPath} the string of a name.
 */
export interface Repository {
  /** Absolute path of the working tree root. */
  readonly root: string;
  /**
   * The real content of a file. An LFS file whose object is not in the local store is fetched
   * into it first (verified against its oid), so later reads are local. Errors name the path.
   * With `rev`, the file as that revision has it ({@link ReadOptions}).
   */
  readFile(path: string, options?: ReadOptions): Promise<Buffer>;
  /**
   * Streams the real content of a file, or the inclusive byte range `start`–`end` of it. Returns at
   * once; a failure (unknown path, missing object, …) is emitted as the stream's `error`. A range
   * of an LFS object that is not in the local store is served by one S3 Range request, without
   * downloading the object (its length is checked; a partial read cannot be hashed). A full read
   * fetches the object into the read cache, verified, as {@link Repository.readFile} does (never
   * into git-lfs's store, so reading a file does not change what a later checkout writes); an
   * object over 256 KiB is streamed while it downloads, all but its last chunk, which waits for
   * the verification: an object that fails it ends the stream in an error, never in 'end'.
   * With `rev`, the file as that revision has it ({@link ReadOptions}). Throws synchronously for a
   * negative, fractional or inverted range, or a revision that starts with `-`.
   */
  createReadStream(path: string, options?: ReadStreamOptions): Readable;
  /**
   * Absolute path of the verified local object of an LFS file (git-lfs's store when it has the
   * object, else the read cache, fetched into it if needed), or of the working-tree file itself
   * for an ordinary file. With `rev` ({@link ReadOptions}), an ordinary file has no file of its own:
   * its bytes are copied into the read cache, under their SHA-256, and that path is returned.
   */
  localPath(path: string, options?: ReadOptions): Promise<string>;
  /**
   * Fetches the objects of the LFS files selected by `pathspecs` (relative to the repository root,
   * git pathspec syntax: `data/train`, `*.json`) and replaces their pointer files with the content;
   * by default they stay hydrated across later checkouts. Files with local edits are skipped, and
   * per-file fetch failures are reported in the result rather than thrown.
   */
  hydrate(pathspecs: readonly string[], options?: HydrateOptions): Promise<HydrateReport>;
  /**
   * Per LFS file selected by `pathspecs` (relative to the repository root; none: all): size,
   * state (`pointer`, `hydrated`, `modified`, `missing`), whether the object is in the local store,
   * and with `{ remote: true }` whether it is in the bucket; with totals.
   */
  status(pathspecs?: readonly string[], options?: StatusOptions): Promise<StatusReport>;
  /**
   * The dataset version of the files `pathspecs` select (relative to the repository root; none:
   * all) at `rev` (default `HEAD`): a stable hash over their sorted (path, oid, size), computed
   * from pointers without downloading anything, with the manifest behind it. Store it beside a
   * model; docs/dataset-versions.md says how to recompute it and get the data back.
   */
  fingerprint(pathspecs?: readonly string[], options?: ManifestOptions): Promise<DatasetManifest>;
  /** Releases the S3 client. The repository cannot be used afterwards. */
  close(): void;
}

/**
 * Opens the git repository containing `dir` (default: the current directory).
 * Rejects when `dir` is not inside a git repository with a working tree.
 */
export function openRepository(dir: string = process.cwd(), options: OpenRepositoryOptions = {}): Promise<Repository> {
  return openRepositoryWith(dir, options);
}

// The same, with the context's own options: the CLI's commands log as the settings say
// (lfs-lazy.loglevel, lfs-lazy.logfile), which a library caller does with its own logger.
export async function openRepositoryWith(dir: string, options: RepositoryContextOptions): Promise<Repository> {
  const base = resolve(dir);
  const ctx = await openRepositoryContext(base, options);
  let root: string;
  try {
    root = requireWorktree(ctx, base);
  } catch (err) {
    ctx.close();
    throw err;
  }
  return new LocalRepository(ctx, root, base);
}

// Reads that ask git about their own path (three short git runs each); from the next one on, the
// LFS files of the index (or of a commit) are listed once and answered from memory: a one-off
// `cat` of a large repository does not list it all, a batch or a training loop does not pay git
// per file.
const DIRECT_LOOKUPS = 4;

class LocalRepository implements Repository {
  private closed = false;
  // Error messages name paths as git prints them (core.quotePath).
  private readonly show: PathQuoter;
  private readonly snapshots: LfsSnapshots;
  private lookups = 0;

  constructor(
    private readonly ctx: RepositoryContext,
    readonly root: string,
    private readonly base: string,
  ) {
    this.show = pathQuoter(ctx.paths.config);
    this.snapshots = new LfsSnapshots(root, ctx.paths.gitDir);
  }

  readFile(path: string, options: ReadOptions = {}): Promise<Buffer> {
    return new Promise((resolvePromise, reject) => {
      const chunks: Buffer[] = [];
      this.createReadStream(path, { rev: options.rev })
        .on('data', (chunk: Buffer) => chunks.push(chunk))
        .once('error', reject)
        .once('end', () => resolvePromise(Buffer.concat(chunks)));
    });
  }

  createReadStream(path: string, options: ReadStreamOptions = {}): Readable {
    checkRange(options);
    const { rev } = options;
    if (rev !== undefined) checkRevision(rev);
    let source: FileSource | undefined;
    return new LazyStream({
      open: async () => {
        source = await this.resolve(path, rev);
        return openContent(this.ctx, source, options);
      },
      mapError: (err) => this.named(path, rev, source, err),
    });
  }

  async localPath(path: string, options: ReadOptions = {}): Promise<string> {
    const { rev } = options;
    if (rev !== undefined) checkRevision(rev);
    let source: FileSource | undefined;
    try {
      source = await this.resolve(path, rev);
      return await localObjectPath(this.ctx, source);
    } catch (err) {
      throw this.named(path, rev, source, err);
    }
  }

  hydrate(pathspecs: readonly string[], options: HydrateOptions = {}): Promise<HydrateReport> {
    return this.open().then(async () => (await import('../hydration/hydrate.js')).hydrate(this.ctx, pathspecs, options));
  }

  status(pathspecs: readonly string[] = [], options: StatusOptions = {}): Promise<StatusReport> {
    return this.open().then(async () => (await import('../hydration/status.js')).status(this.ctx, pathspecs, options));
  }

  fingerprint(pathspecs: readonly string[] = [], options: ManifestOptions = {}): Promise<DatasetManifest> {
    return this.open().then(async () => (await import('../dataset/manifest.js')).buildManifest(this.root, pathspecs, options));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.close();
  }

  private resolve(path: string, rev: string | undefined): Promise<FileSource> {
    return this.open().then(() =>
      ++this.lookups <= DIRECT_LOOKUPS
        ? rev === undefined
          ? resolveFileSource(this.root, this.base, path, this.show)
          : resolveRevisionSource(this.root, this.base, rev, path, this.show)
        : rev === undefined
          ? resolveFileSource(this.root, this.base, path, this.show, (_, rel) => this.snapshots.inIndex(rel))
          : resolveRevisionSource(this.root, this.base, rev, path, this.show, this.snapshots),
    );
  }

  // An error of a read, with the file named (`<rev>:<path>` at a revision). Finding the file
  // (`source` undefined) fails with messages that say what was not found: they stay as they are.
  private named(path: string, rev: string | undefined, source: FileSource | undefined, err: unknown): Error {
    if (source === undefined && err instanceof LfsLazyError && err.code !== ErrorCode.Internal) return err;
    const shown = this.show(source?.path ?? path);
    return withPath(rev === undefined ? shown : revisionPath(rev, shown), err);
  }

  private async open(): Promise<void> {
    if (this.closed) throw new LfsLazyError(`the repository at ${this.root} is closed`);
  }
}

// One message that names the path (as printed: quoted where git would quote it); the original
// error stays as `cause`.
function withPath(path: string, err: unknown): Error {
  const message = messageOf(err);
  if (message.startsWith(`${path} `) || message.startsWith(`${path}:`)) return err instanceof Error ? err : new Error(message);
  const code = err instanceof LfsLazyError ? err.code : ErrorCode.Internal;
  const retryable = err instanceof LfsLazyError && err.retryable;
  return new LfsLazyError(`${path}: ${message}`, { code, cause: err, retryable });
}
