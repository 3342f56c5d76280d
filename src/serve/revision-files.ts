// `/@<rev>/<path>`: a file of any commit, read from git's objects without a checkout. An LFS file
// is its object, read by the library exactly as for the checked-out revision; any other file is
// its blob, symbolic links included (their target, as text: what git stores).
//
// The server's own shim until the library takes `rev` (issue 16, item 3): then this becomes
// resolveFileSource(…, { rev }) and this file goes.
import type { FileSource } from '../api/file-source.js';
import type { RepositoryContext } from '../repository/context.js';
import { blobStream, resolveCommit, revisionFile } from '../repository/revision-file.js';
import type { LfsSnapshots } from './lfs-snapshots.js';
import { libraryFile, sliceOf, type Lookup } from './served-file.js';

// `rev` has been checked by request-target.ts (no leading `-`, no control characters).
export async function revisionLookup(ctx: RepositoryContext, root: string, snapshots: LfsSnapshots, rev: string, path: string): Promise<Lookup> {
  const commit = await snapshots.commitOf(rev, (r) => resolveCommit(root, r));
  if (commit === undefined) return { missing: `no commit ${rev} in the repository` };
  const lfs = await snapshots.inCommit(commit, path);
  if (lfs !== undefined) {
    const source: FileSource = { kind: 'lfs', path, absolute: '', pointer: lfs.pointer, hydrated: false };
    return { file: libraryFile(ctx, source, lfs.pointer.size, `"${lfs.pointer.oid}"`) };
  }
  const file = await revisionFile(root, commit, path);
  if (file === undefined) return { missing: `${path} is not in ${rev}` };
  if (file.pointer) {
    // (A pointer the tree listing did not take for an LFS file: a symbolic link's text, say.)
    const source: FileSource = { kind: 'lfs', path, absolute: '', pointer: file.pointer, hydrated: false };
    return { file: libraryFile(ctx, source, file.pointer.size, `"${file.pointer.oid}"`) };
  }
  // A blob's id is a hash of its content: as stable an ETag as the oid of an LFS file.
  return { file: { path, size: file.size, etag: `"${file.blob}"`, open: (span) => sliceOf(() => blobStream(root, file.blob), span) } };
}
