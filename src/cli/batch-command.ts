// `lfs-lazy path --batch` and `lfs-lazy cat --batch`: the options they share with the one-shot
// forms, and the batch itself — paths from stdin, fetched up to -j ahead through the library,
// answered in order on stdout (batch-reader.ts, batch-answers.ts).
import { open, type FileHandle } from 'node:fs/promises';
import { openRepositoryWith } from '../api/local-repository.js';
import type { Repository } from '../api/repository.js';
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import { resolveCommit } from '../git/revision.js';
import { bytesToPath, pathToBytes } from '../util/path-bytes.js';
import { stat } from '../util/plain-fs.js';
import { LARGE_READ_CHUNK } from '../util/read-pieces.js';
import type { CommandIO } from './command.js';
import { catHeader, catTrailer, errorAnswer, pathAnswer, type BatchFormat, type FoundFile } from './batch-answers.js';
import { copyOut, watchOutput, writeOut, type WatchedOutput } from './batch-output.js';
import { answerInOrder, type Outcome } from './batch-reader.js';
import { batchRequests } from './batch-requests.js';
import { parseJobs, parseOptions, stringOption } from './parse-options.js';

export const DEFAULT_BATCH_JOBS = 8;

export interface ReadCommandOptions {
  rev: string | undefined;
  // Set with --batch.
  batch: (BatchFormat & { jobs: number }) | undefined;
  positionals: string[];
}

// The options of `cat` and `path`: --rev, and --batch with -z, -j and --json.
export function parseReadOptions(args: string[], usage: string): ReadCommandOptions {
  const { values, positionals } = parseOptions(
    args,
    { rev: { type: 'string' }, batch: { type: 'boolean' }, z: { type: 'boolean', short: 'z' }, jobs: { type: 'string', short: 'j' }, json: { type: 'boolean' } },
    usage,
  );
  const rev = stringOption(values, 'rev');
  if (values['batch'] !== true) {
    const stray = ([['-z', 'z'], ['-j', 'jobs'], ['--json', 'json']] as const).find(([, name]) => values[name] !== undefined);
    if (stray) throw new LfsLazyError(`${stray[0]} goes with --batch\n${usage}`, { code: ErrorCode.BadRequest });
    if (positionals.length === 0) throw new LfsLazyError(`no path given\n${usage}`, { code: ErrorCode.BadRequest });
    return { rev, batch: undefined, positionals };
  }
  if (positionals.length > 0) throw new LfsLazyError(`--batch reads the paths from stdin, not from the command line\n${usage}`, { code: ErrorCode.BadRequest });
  const batch = { json: values['json'] === true, separator: values['z'] === true ? 0x00 : 0x0a, jobs: parseJobs(stringOption(values, 'jobs'), DEFAULT_BATCH_JOBS) } as const;
  return { rev, batch, positionals };
}

// `handle`: `cat`'s file, opened ahead of its answer. `path` stats through node:fs (plain-fs.ts):
// node:fs/promises is loaded by `cat --batch` alone.
type Ready = FoundFile & { handle?: FileHandle };

export interface Batch {
  requests: AsyncIterable<Buffer>;
  format: BatchFormat & { jobs: number };
}

export interface OpenedForReads {
  repo: Repository;
  // Set with --batch.
  batch: Batch | undefined;
}

// The repository of `cat` and `path`, its first reads looked up while it opens (openRepositoryWith's
// `reads`): the paths of the one-shot form, or a batch's first request, read from stdin meanwhile (a
// pipe or a co-process has usually written it already).
export async function openForReads(options: ReadCommandOptions, io: CommandIO): Promise<OpenedForReads> {
  const contextOptions = { env: io.env, log: { name: 'lfs-lazy', quiet: true } };
  const inWorktree = options.rev === undefined;
  const format = options.batch;
  if (!format) return { repo: await openRepositoryWith(io.cwd, contextOptions, inWorktree ? options.positionals : []), batch: undefined };
  // The repository's first git run starts before stdin is set up: making process.stdin and its
  // reader (≈ 2 ms of stream machinery) then runs beside git rather than before it.
  let firstRequest!: (paths: Promise<readonly string[]>) => void;
  const opening = openRepositoryWith(io.cwd, contextOptions, new Promise<readonly string[]>((resolve) => (firstRequest = resolve)));
  const requests = batchRequests(io.stdin as AsyncIterable<Buffer>, format.separator);
  const head = requests.next();
  // Its failure (a runaway first request) is the batch's to report, once the repository is open.
  head.catch(() => undefined);
  firstRequest(inWorktree ? head.then((r) => (r.done ? [] : [bytesToPath(r.value)])) : Promise.resolve([]));
  try {
    return { repo: await opening, batch: { requests: startingWith(head, requests), format } };
  } catch (err) {
    // Nothing will read the rest: an open stdin must not keep the process alive.
    io.stdin.destroy();
    throw err;
  }
}

async function* startingWith<T>(head: Promise<IteratorResult<T>>, rest: AsyncIterator<T>): AsyncGenerator<T> {
  try {
    for (let next = await head; !next.done; next = await rest.next()) yield next.value;
  } finally {
    // A batch that stops early (its reader gone) closes the input's reading too.
    await rest.return?.();
  }
}

// Answers every request of stdin until its end (or until the reader goes away: a normal end too).
export async function runBatch(kind: 'path' | 'cat', repo: Repository, { requests, format }: Batch, rev: string | undefined, io: CommandIO): Promise<number> {
  // Resolved once: every answer comes from the same commit, even if a branch moves meanwhile, and
  // a revision that does not exist is one error up front rather than one per answer.
  const commit = rev === undefined ? undefined : await resolveCommit(repo.root, rev);
  const out = watchOutput(io.stdout);
  try {
    await answerInOrder<Buffer, Ready>({
      requests,
      jobs: format.jobs,
      start: (request) => prepare(kind, repo, bytesToPath(request), commit),
      write: (request, outcome) => (kind === 'path' ? writePath(out, request, outcome, format) : writeCat(out, request, outcome, format)),
      release: (ready) => ready.handle?.close(),
    });
  } finally {
    out.release();
    // The input may still be open (a reader that went away): it must not keep the process alive.
    io.stdin.destroy();
  }
  return 0;
}

// The work done ahead of the answer: the object fetched (verified) and, for `cat`, opened, so the
// answer's size is the size of the bytes that follow.
async function prepare(kind: 'path' | 'cat', repo: Repository, path: string, commit: string | undefined): Promise<Ready> {
  const localPath = await repo.localPath(path, { rev: commit });
  if (kind === 'path') return { localPath, size: (await stat(pathToBytes(localPath))).size };
  const handle = await open(pathToBytes(localPath), 'r');
  try {
    return { localPath, size: (await handle.stat()).size, handle };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function writePath(out: WatchedOutput, request: Buffer, outcome: Outcome<Ready>, format: BatchFormat): Promise<boolean> {
  return writeOut(out, outcome.ok ? pathAnswer(request, outcome.value, format) : errorAnswer(request, outcome.error, format));
}

async function writeCat(out: WatchedOutput, request: Buffer, outcome: Outcome<Ready>, format: BatchFormat): Promise<boolean> {
  if (!outcome.ok) return writeOut(out, errorAnswer(request, outcome.error, format));
  const { handle, size } = outcome.value;
  if (!(await writeOut(out, catHeader(request, outcome.value, format)))) return false;
  if (size > 0 && handle) {
    const sent = await copyOut(handle.createReadStream({ start: 0, end: size - 1, autoClose: false, highWaterMark: LARGE_READ_CHUNK }), out);
    if (sent === undefined) return false;
    // Only a working-tree file can change under us (objects are never rewritten): the frame
    // announced `size` bytes, and no answer can follow a short one.
    if (sent !== size) {
      throw new LfsLazyError(`${outcome.value.localPath} shrank while it was being read (${sent} of ${size} bytes): the batch cannot go on`);
    }
  }
  return writeOut(out, catTrailer(format));
}
