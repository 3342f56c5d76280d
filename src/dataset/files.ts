// The files of a dataset version: every regular file a pathspec selects at a revision (or in the
// index), each as (path, oid, size) where oid is the SHA-256 of its content — read from the LFS
// pointer for LFS files (nothing downloaded), computed from the git blob for the others (git's own
// objects, already local). Symbolic links and submodules are not files of a dataset: skipped.
import { createHash } from 'node:crypto';
import { readObjects } from '../git/cat-file.js';
import { listIndexEntries, listRevisionAsIndex } from '../git/index-entries.js';
import { LfsLazyError } from '../errors/index.js';
import { MAX_POINTER_SIZE, parsePointer } from '../protocol/pointer.js';

export interface DatasetFile {
  // Relative to the repository root, `/`-separated.
  path: string;
  // SHA-256 of the content, 64 lowercase hex.
  oid: string;
  size: number;
  // Stored in LFS (the blob is a pointer) or in git itself.
  lfs: boolean;
}

interface Entry {
  path: string;
  blob: string;
}

export interface ListOptions {
  // A revision (commit, tag, branch…); undefined: the index.
  rev?: string | undefined;
}

// The regular files of the index, or of the revision read as an index: ls-tree does not
// understand wildcard pathspecs, ls-files does, so both sources select exactly the same files.
async function listEntries(cwd: string, pathspecs: readonly string[], rev: string | undefined): Promise<Entry[]> {
  const all = rev === undefined ? await listIndexEntries(cwd, pathspecs) : await listRevisionAsIndex(cwd, rev, pathspecs);
  const entries: Entry[] = [];
  for (const { path, mode, blob, stage } of all) {
    if (stage !== 0) throw new LfsLazyError(`${path} is unmerged: resolve the conflict first`);
    if (mode !== '100644' && mode !== '100755') continue;
    entries.push({ path, blob });
  }
  return entries;
}

// Runs from `cwd`, so pathspecs are relative to it, as in git.
export async function listDatasetFiles(cwd: string, pathspecs: readonly string[], options: ListOptions = {}): Promise<DatasetFile[]> {
  const entries = await listEntries(cwd, pathspecs, options.rev);
  const blobs = [...new Set(entries.map((e) => e.blob))];
  // Small blobs may be pointers: kept whole. Bigger ones are hashed as they stream by.
  const info = new Map<string, { oid: string; size: number; lfs: boolean }>();
  let hash = createHash('sha256');
  let chunks: Buffer[] = [];
  let current = '';
  let currentSize = 0;
  await readObjects(cwd, blobs, {
    start({ id, size }) {
      current = id;
      currentSize = size;
      hash = createHash('sha256');
      chunks = [];
    },
    data(chunk) {
      hash.update(chunk);
      if (currentSize < MAX_POINTER_SIZE) chunks.push(Buffer.from(chunk));
    },
    end() {
      const pointer = currentSize < MAX_POINTER_SIZE ? parsePointer(Buffer.concat(chunks)) : undefined;
      // The empty blob is the pointer of the empty object: the same (oid, size) either way.
      info.set(current, pointer ? { oid: pointer.oid, size: pointer.size, lfs: currentSize > 0 } : { oid: hash.digest('hex'), size: currentSize, lfs: false });
    },
  });
  for (const blob of blobs) if (!info.has(blob)) throw new LfsLazyError(`git has no blob ${blob}`);
  return entries.map(({ path, blob }) => ({ path, ...info.get(blob)! }));
}
