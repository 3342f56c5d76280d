// A directory of the working tree that is a repository of its own: a submodule, or a clone made
// inside the working tree. git records such a directory as one entry (a gitlink) and never looks
// inside it, and neither do lfs-lazy's commands: its files are that repository's, with its own
// index, settings and storage, so an LFS pointer found there is not this repository's to resolve.
import { join } from 'node:path';
import { lstatQuietly } from '../util/stat-quietly.js';
import { fsPath } from '../util/path-bytes.js';

// The root-relative directory of the nested repository that holds `rel` (or is `rel`), if any.
function nestedRepositoryOf(root: string, rel: string): string | undefined {
  // Below the root only: `.` names the repository itself.
  const segments = rel.split('/').filter((segment) => segment !== '' && segment !== '.');
  for (let depth = 1; depth <= segments.length; depth++) {
    const dir = segments.slice(0, depth).join('/');
    // `.git` is a directory in a clone, a file (gitdir: …) in a submodule git has absorbed.
    if (lstatQuietly(fsPath(root, `${dir}/.git`)) !== undefined) return dir;
  }
  return undefined;
}

// When `rel` (a root-relative path or pathspec) is in a nested repository: where to run lfs-lazy
// instead, and on what. Undefined otherwise.
export function nestedRepositoryAdvice(root: string, rel: string): string | undefined {
  const nested = nestedRepositoryOf(root, rel);
  if (nested === undefined) return undefined;
  const where = rel === nested ? `'${rel}' is` : `'${rel}' is inside '${nested}',`;
  const inside = rel === nested ? '' : `, on '${rel.slice(nested.length + 1)}'`;
  return `${where} a repository of its own (a submodule): lfs-lazy works in one repository at a time — run it there${inside} (cd '${join(root, nested)}')`;
}
