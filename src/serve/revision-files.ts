// `/@<rev>/<path>`: a file of any commit, read from git's objects without a checkout, through the
// library's revision lookup (repository/revision-files.ts). An LFS file is its object, read by the
// library exactly as for the checked-out revision; any other file is its blob, symbolic links
// included (their target, as text: what git stores — never followed).
import type { FileSource } from '../api/file-source.js';
import type { RepositoryContext } from '../repository/context.js';
import { blobContent, resolveCommit, revisionFileAt } from '../repository/revision-files.js';
import type { LfsSnapshots } from '../repository/lfs-snapshots.js';
import { libraryFile, sliceOf, type Lookup } from './served-file.js';

// `rev` has been checked by request-target.ts (no leading `-`, no control characters).
export async function revisionLookup(ctx: RepositoryContext, root: string, snapshots: LfsSnapshots, rev: string, path: string): Promise<Lookup> {
  const commit = await snapshots.commitOf(rev, (r) => resolveCommit(root, r).catch(() => undefined));
  if (commit === undefined) return { missing: `no commit ${rev} in the repository` };
  const lfs = await snapshots.inCommit(commit, path);
  if (lfs !== undefined) {
    const source: FileSource = { kind: 'lfs', path, pointer: lfs.pointer };
    return { file: libraryFile(ctx, source, lfs.pointer.size, `"${lfs.pointer.oid}"`) };
  }
  const file = await revisionFileAt(root, commit, path);
  if (file?.kind === 'lfs') {
    return { file: libraryFile(ctx, file, file.pointer.size, `"${file.pointer.oid}"`) };
  }
  if (file?.kind !== 'blob' && file?.kind !== 'symlink') return { missing: `${path} is not in ${rev}` };
  const { blob, size } = file;
  // A blob's id is a hash of its content: as stable an ETag as the oid of an LFS file.
  return { file: { path, size, etag: `"${blob}"`, open: (span) => sliceOf(() => blobContent(root, blob), span) } };
}
