import type { Readable } from 'node:stream';
import type { Logger } from '../log/logger.js';
import type { HydrateOptions, HydrateReport } from '../hydration/hydrate.js';
import type { StatusOptions, StatusReport } from '../hydration/status.js';
import type { DatasetManifest, ManifestOptions } from '../dataset/manifest.js';
import { openRepositoryWith } from './local-repository.js';

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

