// `/@<rev>/<path>`: a file of any commit, read from git's objects without a checkout. An LFS file
// is its object, read by the library exactly as for the checked-out revision; any other file is
// its blob, symbolic links included (their target, as text: what git stores).
//
// The server's own shim until the library takes `rev` (issue 16, item 3): then this becomes
// resolveFileSource(…, { rev }) and this file goes.
import type { FileSource } from '../api/file-source.js';
import type { RepositoryContext } from '../repository/context.js';
import { blobStream, resolveCommit, revisionFile } from '../repository/revision-file.js';
import { libraryFile, sliceOf, type Lookup } from './served-file.js';

// `rev` has been checked by request-target.ts (no leading `-`, no control characters).
export async function revisionLookup(ctx: RepositoryContext, root: string, rev: string, path: string): Promise<Lookup> {
  const commit = await resolveCommit(root, rev);
  if (commit === undefined) return { missing: `no commit ${rev} in the repository` };
  const file = await revisionFile(root, commit, path);
  if (file === undefined) return { missing: `${path} is not in ${rev}` };
  if (file.pointer) {
    const source: FileSource = { kind: 'lfs', path, absolute: '', pointer: file.pointer, hydrated: false };
    return { file: libraryFile(ctx, source, file.pointer.size, `"${file.pointer.oid}"`) };
  }
  // A blob's id is a hash of its content: as stable an ETag as the oid of an LFS file.
  return { file: { path, size: file.size, etag: `"${file.blob}"`, open: (span) => sliceOf(() => blobStream(root, file.blob), span) } };
}
