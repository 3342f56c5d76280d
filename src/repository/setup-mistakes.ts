// The set-up mistakes `doctor` looks for, the ones that otherwise fail silently: a repository with
// no `filter=lfs` pattern at all, and large files committed to git itself (forgotten `git lfs
// track`), like `git lfs migrate info` reports them — for the index, i.e. what the next commit holds.
import { objectHeaders } from '../git/cat-file.js';
import { git } from '../git/git.js';
import { listIndexEntries } from '../git/index-entries.js';
import { filterAttributes } from './lfs-files.js';

export const LARGE_FILE_BYTES = 1024 * 1024;

export interface LargePlainFile {
  path: string;
  size: number;
}

// Regular files of the index of at least `threshold` bytes whose `filter` attribute is not lfs,
// largest first.
export async function largeFilesOutsideLfs(root: string, threshold = LARGE_FILE_BYTES): Promise<LargePlainFile[]> {
  const entries = (await listIndexEntries(root, [])).filter((e) => e.stage === 0 && (e.mode === '100644' || e.mode === '100755'));
  const headers = await objectHeaders(root, entries.map((e) => e.blob));
  const large = entries
    .map((e) => ({ path: e.path, size: headers.get(e.blob)?.size ?? 0 }))
    .filter((f) => f.size >= threshold);
  const filters = await filterAttributes(root, large.map((f) => f.path));
  return large.filter((_, i) => filters[i] !== 'lfs').sort((a, b) => b.size - a.size || (a.path < b.path ? -1 : 1));
}

// Whether any .gitattributes of the index (or .git/info/attributes) names the lfs filter.
export async function hasLfsPatterns(root: string): Promise<boolean> {
  const committed = await git(['grep', '--cached', '-q', '-e', 'filter=lfs', '--', ':(glob)**/.gitattributes'], { cwd: root, okCodes: [1] });
  if (committed.code === 0) return true;
  const info = await git(['rev-parse', '--git-path', 'info/attributes'], { cwd: root });
  const local = await git(['grep', '--no-index', '-q', '-e', 'filter=lfs', '--', info.stdout.trim()], { cwd: root, okCodes: [1, 2, 128] });
  return local.code === 0;
}
