// Dataset manifests: the list behind a fingerprint, for storing beside a trained model, and the
// check that a checkout holds exactly that data.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pLimit from 'p-limit';
import { git } from '../git/git.js';
import { listIndexEntries } from '../git/index-entries.js';
import { worktreePosition } from '../git/repository-paths.js';
import { LfsLazyError } from '../errors/index.js';
import { MAX_POINTER_SIZE, parsePointer } from '../protocol/pointer.js';
import { fsPath } from '../util/path-bytes.js';
import { computeFingerprint, FINGERPRINT_SCHEME, sortByPath } from './fingerprint.js';
import { listDatasetFiles, type DatasetFile } from './files.js';

export interface DatasetManifest {
  scheme: string;
  fingerprint: string;
  // The commit the files were listed from.
  commit: string;
  // Where the pathspecs apply: the directory they were given in, relative to the repository root
  // ("" for the root, else ending in "/"), as `git rev-parse --show-prefix` prints it.
  prefix: string;
  pathspecs: string[];
  count: number;
  bytes: number;
  // Sorted by the bytes of the path, as the fingerprint hashes them. A name that is not UTF-8 has
  // its bytes escaped as lone surrogates (util/path-bytes.ts): \udcXX in the JSON.
  files: DatasetFile[];
}

export interface ManifestOptions {
  rev?: string | undefined;
}

export async function buildManifest(cwd: string, pathspecs: readonly string[], options: ManifestOptions = {}): Promise<DatasetManifest> {
  const rev = options.rev ?? 'HEAD';
  // Side by side, but the position's failure first, so that "not a git repository" is the error
  // outside one.
  const [position, commit] = await Promise.allSettled([worktreePosition(cwd), git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { cwd, okCodes: [1, 128] })]);
  if (position.status === 'rejected') throw position.reason;
  if (commit.status === 'rejected') throw commit.reason;
  const { prefix } = position.value;
  if (commit.value.code !== 0) throw new LfsLazyError(`${rev} is not a commit${rev === 'HEAD' ? ' (nothing committed yet?)' : ''}`);
  const files = sortByPath(await listDatasetFiles(cwd, pathspecs, { rev: commit.value.stdout.trim() }));
  if (files.length === 0 && pathspecs.length > 0) throw new LfsLazyError(`no files at ${rev} match ${pathspecs.join(' ')}`);
  return {
    scheme: FINGERPRINT_SCHEME,
    fingerprint: computeFingerprint(files),
    commit: commit.value.stdout.trim(),
    prefix,
    pathspecs: [...pathspecs],
    count: files.length,
    bytes: files.reduce((sum, f) => sum + f.size, 0),
    files,
  };
}

// Whether the working tree or index differ from HEAD for these paths (a fingerprint of HEAD then
// does not describe the checkout).
export async function hasLocalChanges(cwd: string, pathspecs: readonly string[]): Promise<boolean> {
  const status = await git(['status', '--porcelain', '-z', '--untracked-files=no', '--', ...pathspecs], { cwd, okCodes: [128] });
  return status.code === 0 && status.stdout.length > 0;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

// Reads a manifest and checks that it is one, and that its files give its fingerprint.
export function parseManifest(text: string, source: string): DatasetManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LfsLazyError(`${source} is not JSON: ${(err as Error).message}`);
  }
  const bad = (what: string): LfsLazyError => new LfsLazyError(`${source} is not an lfs-lazy dataset manifest: ${what}`);
  if (!isObject(value)) throw bad('expected a JSON object');
  if (value['scheme'] !== FINGERPRINT_SCHEME) throw bad(`"scheme" must be "${FINGERPRINT_SCHEME}"`);
  const { fingerprint, commit, prefix, pathspecs, files } = value;
  if (typeof fingerprint !== 'string' || typeof commit !== 'string' || typeof prefix !== 'string') throw bad('"fingerprint", "commit" and "prefix" must be strings');
  if (!Array.isArray(pathspecs) || !pathspecs.every((p) => typeof p === 'string')) throw bad('"pathspecs" must be a list of strings');
  if (!Array.isArray(files)) throw bad('"files" must be a list');
  const list: DatasetFile[] = files.map((f, i) => {
    if (!isObject(f) || typeof f['path'] !== 'string' || typeof f['oid'] !== 'string' || typeof f['size'] !== 'number') {
      throw bad(`files[${i}] needs "path", "oid" and "size"`);
    }
    return { path: f['path'], oid: f['oid'], size: f['size'], lfs: f['lfs'] === true };
  });
  let computed: string;
  try {
    computed = computeFingerprint(list);
  } catch (err) {
    throw bad((err as Error).message);
  }
  if (computed !== fingerprint) throw bad(`its files give fingerprint ${computed}, not the ${fingerprint} it states (edited by hand?)`);
  return {
    scheme: FINGERPRINT_SCHEME,
    fingerprint,
    commit,
    prefix,
    pathspecs: pathspecs as string[],
    count: list.length,
    bytes: list.reduce((sum, f) => sum + f.size, 0),
    files: sortByPath(list),
  };
}

export type Problem = 'missing' | 'modified' | 'extra';

export interface VerifyProblem {
  path: string;
  problem: Problem;
  expected?: { oid: string; size: number };
  actual?: { oid?: string; size: number };
}

export interface VerifyResult {
  ok: boolean;
  fingerprint: string;
  checked: number;
  problems: VerifyProblem[];
  // HEAD of the checkout, for information: the same data may be at another commit.
  head: string | undefined;
}

// What the working-tree file holds: a pointer is taken at its word (no download); content is
// hashed, unless its size already differs.
async function inspect(absolute: string | Buffer, expected: DatasetFile): Promise<{ oid?: string; size: number } | undefined> {
  let stats;
  try {
    stats = await lstat(absolute);
  } catch {
    return undefined;
  }
  if (!stats.isFile()) return undefined;
  if (expected.lfs && stats.size < MAX_POINTER_SIZE) {
    const handle = await open(absolute, 'r');
    try {
      const bytes = await handle.readFile();
      const pointer = parsePointer(bytes);
      if (pointer) return { oid: pointer.oid, size: pointer.size };
    } finally {
      await handle.close();
    }
  }
  if (stats.size !== expected.size) return { size: stats.size };
  const hash = createHash('sha256');
  await pipeline(createReadStream(absolute), hash);
  return { oid: hash.digest('hex'), size: stats.size };
}

// Checks the checkout that contains `cwd` against a manifest: every listed file present in the
// working tree with the listed content (as content or as its LFS pointer), and no other file in
// the index under the manifest's pathspecs.
export async function verifyManifest(cwd: string, manifest: DatasetManifest): Promise<VerifyResult> {
  const root = (await git(['rev-parse', '--show-toplevel'], { cwd })).stdout.trim();
  const headResult = await git(['rev-parse', '--verify', '--quiet', 'HEAD'], { cwd, okCodes: [1, 128] });
  const problems: VerifyProblem[] = [];
  const limit = pLimit(4);
  const results = await Promise.all(manifest.files.map((file) => limit(async () => ({ file, actual: await inspect(fsPath(root, file.path), file) }))));
  for (const { file, actual } of results) {
    const expected = { oid: file.oid, size: file.size };
    if (!actual) problems.push({ path: file.path, problem: 'missing', expected });
    else if (actual.oid !== file.oid || actual.size !== file.size) problems.push({ path: file.path, problem: 'modified', expected, actual });
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  const dir = join(root, manifest.prefix);
  if (existsSync(fsPath(root, manifest.prefix))) {
    // Symbolic links and submodules are never listed; they are not extras either.
    const current = await listIndexEntries(dir, manifest.pathspecs);
    const extras = new Set(
      current
        .filter((entry) => entry.mode === '100644' || entry.mode === '100755')
        .map((entry) => entry.path)
        .filter((path) => !listed.has(path)),
    );
    for (const path of extras) problems.push({ path, problem: 'extra' });
  }
  return {
    ok: problems.length === 0,
    fingerprint: manifest.fingerprint,
    checked: manifest.files.length,
    problems,
    head: headResult.code === 0 ? headResult.stdout.trim() : undefined,
  };
}

// What `fingerprint` and `manifest` share: the manifest of HEAD (or --rev), and a warning when the
// files it describes are not what is checked out.
export async function manifestForCommand(
  cwd: string,
  pathspecs: readonly string[],
  rev: string | undefined,
  warn: (what: string) => void,
): Promise<DatasetManifest> {
  // Asked side by side with the manifest; only a manifest made is warned about.
  const changed = rev === undefined ? hasLocalChanges(cwd, pathspecs) : Promise.resolve(false);
  changed.catch(() => undefined);
  const manifest = await buildManifest(cwd, pathspecs, { rev });
  if (await changed) {
    warn('the selected files have uncommitted changes; this describes HEAD');
  }
  return manifest;
}
