// The Repository of openRepository (repository.ts): reads resolve a path once (working tree and
// index, or a revision's tree) and read its content from where it is; hydrate, status and the
// fingerprint are the hydration and dataset modules'.
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { ErrorCode, LfsLazyError, messageOf } from '../errors/index.js';
import { openRepositoryContext, requireWorktree, type RepositoryContext, type RepositoryContextOptions } from '../repository/context.js';
// Types only: hydrate, status and the manifest load when first called, so that a read (`lfs-lazy
// cat`, `path`) does not load them.
import type { HydrateOptions, HydrateReport } from '../hydration/hydrate.js';
import type { StatusOptions, StatusReport } from '../hydration/status.js';
import type { DatasetManifest, ManifestOptions } from '../dataset/manifest.js';
import { resolveFileSource, type FileSource } from './file-source.js';
import { lfsFileAt, type IndexedLfsFile } from '../repository/lfs-files.js';
import { LfsSnapshots } from '../repository/lfs-snapshots.js';
import { resolveRevisionSource, revisionPath } from './revision-source.js';
import { checkRevision } from '../repository/revision-files.js';
import { LazyStream } from './lazy-stream.js';
import { checkRange, localObjectPath, openContent } from './read-content.js';
import { pathQuoter, type PathQuoter } from '../util/quote-path.js';
import type { ReadOptions, ReadStreamOptions, Repository } from './repository.js';

// The same, with the context's own options: the CLI's commands log as the settings say
// (lfs-lazy.loglevel, lfs-lazy.logfile), which a library caller does with its own logger.
// `reads`: paths about to be read in the working tree's state (a command's arguments, or the first
// request of a batch as soon as stdin has it). Each one already spelled as a repository path is
// looked up in the index while git is asked where the repository is, rather than after: the lookup
// names it from the root, whatever the directory. One known only once the repository is open is
// left to the read itself (the same lookup, not started twice).
export async function openRepositoryWith(dir: string, options: RepositoryContextOptions, reads: readonly string[] | Promise<readonly string[]> = []): Promise<Repository> {
  const base = resolve(dir);
  const early = new Map<string, Promise<IndexedLfsFile | undefined>>();
  let opened = false;
  const startLookups = (paths: readonly string[]): void => {
    if (opened) return;
    for (const path of paths.slice(0, DIRECT_LOOKUPS)) {
      if (early.has(path) || !isRepositoryPath(path)) continue;
      const lookup = lfsFileAt(base, path);
      // Not awaited when the repository cannot be opened, or the path is read from elsewhere.
      lookup.catch(() => undefined);
      early.set(path, lookup);
    }
  };
  if (reads instanceof Promise) void reads.then(startLookups, () => undefined);
  else startLookups(reads);
  const ctx = await openRepositoryContext(base, options).finally(() => {
    opened = true;
  });
  let root: string;
  try {
    root = requireWorktree(ctx, base);
  } catch (err) {
    ctx.close();
    throw err;
  }
  // From inside .git, git would not look paths up in the working tree's index as a command run in it does.
  return new LocalRepository(ctx, root, base, ctx.paths.insideGitDir ? new Map() : early);
}

// Already as the root-relative name git has for it: not `./x`, `a//b`, `../x`, `/abs`, `.git/…`.
function isRepositoryPath(path: string): boolean {
  if (path === '' || path.includes('\n')) return false;
  const segments = path.split('/');
  return segments[0] !== '.git' && segments.every((s) => s !== '' && s !== '.' && s !== '..');
}

// Reads that ask git about their own path (one short git run each); from the next one on, the
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
    // Index lookups started with the repository's opening (openRepositoryWith's `reads`), each used once.
    private readonly early: Map<string, Promise<IndexedLfsFile | undefined>> = new Map(),
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
          ? resolveFileSource(this.root, this.base, path, this.show, (root, rel) => this.takeEarly(rel) ?? lfsFileAt(root, rel))
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

  private takeEarly(path: string): Promise<IndexedLfsFile | undefined> | undefined {
    const lookup = this.early.get(path);
    this.early.delete(path);
    return lookup;
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
