// What a path is at a revision: looked up in that commit's tree (never the index or the working
// tree), as an LFS file or an ordinary file's blob.
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import { resolveCommit, revisionFileAt, showRevision, type RevisionFile } from '../repository/revision-files.js';
import { repositoryPaths, type FileSource } from './file-source.js';
import type { LfsSnapshots } from '../repository/lfs-snapshots.js';

// `path` is relative to the repository root, or else to `dir`, as for the working tree. Errors name
// the path (as `show` prints it) at the revision as git does, `<rev>:<path>`.
export async function resolveRevisionSource(
  root: string,
  dir: string,
  rev: string,
  path: string,
  show: (path: string) => string,
  // A reader of many files: the commit's LFS files listed once (repository/lfs-snapshots.ts).
  snapshots?: LfsSnapshots,
): Promise<FileSource> {
  const candidates = repositoryPaths(root, dir, path, show);
  const commit = snapshots ? await snapshots.commitOf(rev, (r) => resolveCommit(root, r)) : await resolveCommit(root, rev);
  if (commit === undefined) throw new LfsLazyError(`unknown revision ${rev}`, { code: ErrorCode.NotFound }); // resolveCommit throws first
  for (const rel of candidates) {
    const lfs = await snapshots?.inCommit(commit, rel);
    if (lfs) return { kind: 'lfs', path: rel, pointer: lfs.pointer };
    const file = await revisionFileAt(root, commit, rel);
    if (file) return toSource(file, rev, show);
  }
  throw new LfsLazyError(`${revisionPath(rev, show(path))} does not exist`, { code: ErrorCode.NotFound });
}

function toSource(file: RevisionFile, rev: string, show: (path: string) => string): FileSource {
  const at = revisionPath(rev, show(file.path));
  switch (file.kind) {
    case 'lfs':
    case 'blob':
      return file;
    case 'directory':
      throw new LfsLazyError(`${at} is a directory`, { code: ErrorCode.BadRequest });
    case 'submodule':
      throw new LfsLazyError(`${at} is a submodule`, { code: ErrorCode.BadRequest });
    case 'symlink':
      // Following it could lead anywhere, outside the repository too.
      throw new LfsLazyError(`${at} is a symbolic link: reads at a revision do not follow links`, { code: ErrorCode.BadRequest });
  }
}

// How a path at a revision is named in messages (git's own notation, `git show HEAD~1:data/a.bin`).
export function revisionPath(rev: string, shownPath: string): string {
  return `${showRevision(rev)}:${shownPath}`;
}
