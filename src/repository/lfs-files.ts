import { objectHeaders, readSmallNamed, readSmallObject, readWholeObjects } from '../git/cat-file.js';
import { git } from '../git/git.js';
import { listIndexEntries, listTreeEntries, type GitEntry } from '../git/index-entries.js';
import { MAX_POINTER_SIZE, parsePointer, type Pointer } from '../protocol/pointer.js';
import { pathToBytes } from '../util/path-bytes.js';

export interface LfsFile {
  // Relative to the repository root, `/`-separated.
  path: string;
  // Octal git mode, e.g. "100644" or "100755".
  mode: string;
  blob: string;
  pointer: Pointer;
  // The blob exactly as committed: what a pointer file in the working tree must equal.
  pointerBytes: Buffer;
}

export interface WorktreeLfsFile extends LfsFile {
  // `--skip-worktree` (a sparse checkout's paths outside the cone) or `--assume-unchanged`: git
  // does not look at the working file, so `git ls-files -m` never reports its edits.
  skipWorktree: boolean;
  assumeUnchanged: boolean;
  // A conflict is under way at this path: this is the side in the working tree (worktreeSides).
  unmerged: boolean;
}

// The index's entries (with their ls-files -v tags) or a revision's that may hold a file's
// content: no submodules, and no unmerged entries, unless `unmerged` (see worktreeSides).
async function listEntries(cwd: string, pathspecs: readonly string[], rev?: string, unmerged = false): Promise<GitEntry[]> {
  const entries = rev ? await listTreeEntries(cwd, rev, pathspecs) : await listIndexEntries(cwd, pathspecs, { tags: true });
  const files = entries.filter((e) => e.mode !== '160000' && e.mode !== '040000');
  return unmerged ? worktreeSides(files) : files.filter((e) => e.stage === 0);
}

// For a path with a conflict under way, the side git leaves in the working tree: ours (stage 2),
// or theirs (stage 3) when ours deleted it. A conflict of two LFS files (`-text`, so merged as
// binary) leaves ours too. Only a working-tree file exactly that side's pointer is ever given its
// content (or a pointer again): anything else there (conflict markers, the other side) is a local
// change, reported and left alone.
function worktreeSides(entries: readonly GitEntry[]): GitEntry[] {
  const sides = new Map<string, GitEntry>();
  for (const e of entries) {
    if (e.stage === 1) continue;
    const seen = sides.get(e.path);
    if (seen === undefined || (seen.stage === 3 && e.stage === 2)) sides.set(e.path, e);
  }
  return entries.filter((e) => sides.get(e.path) === e);
}

// The content of the small blobs among many, from two `git cat-file` runs whatever the number of
// files (one for a single blob): pointers are < 1024 bytes, anything bigger is not an LFS file.
async function readSmallBlobs(cwd: string, blobs: readonly string[]): Promise<Map<string, Buffer>> {
  const unique = [...new Set(blobs)];
  if (unique.length === 1) {
    // One file (`lfs-lazy path`, `cat`, hydrate of one path): one git run instead of two.
    const content = await readSmallObject(cwd, unique[0]!, MAX_POINTER_SIZE);
    return new Map(content === undefined ? [] : [[unique[0]!, content]]);
  }
  const headers = await objectHeaders(cwd, blobs);
  const small = [...headers.values()].filter((h) => h.size < MAX_POINTER_SIZE).map((h) => h.id);
  return readWholeObjects(cwd, small);
}

// The LFS files among the paths a pathspec selects, in the index (default) or at a revision.
// A path counts as an LFS file when its blob is a valid pointer, whatever .gitattributes says.
export async function listLfsFiles(cwd: string, pathspecs: readonly string[] = [], rev?: string): Promise<LfsFile[]> {
  const entries = await listEntries(cwd, pathspecs, rev);
  const blobs = await readSmallBlobs(cwd, entries.map((e) => e.blob));
  const files: LfsFile[] = [];
  for (const { path, mode, blob } of entries) {
    const bytes = blobs.get(blob);
    if (!bytes || bytes.length === 0) continue;
    const pointer = parsePointer(bytes);
    if (pointer) files.push({ path, mode, blob, pointer, pointerBytes: bytes });
  }
  return files;
}

// A lone low surrogate U+DC80..U+DCFF (the second half of a surrogate pair is a character's).
const ESCAPED_BYTE = /(?<![\ud800-\udbff])[\udc80-\udcff]/;
const ESCAPED_BYTE_G = new RegExp(ESCAPED_BYTE.source, 'g');

// A pathspec selecting exactly the file at `path`. Node hands arguments to git as UTF-8, so a name
// with escaped bytes (not UTF-8, see util/path-bytes.ts) cannot be spelled literally: it becomes a
// glob with `?` (one byte, to git) for each of them, which selects that file and perhaps a few
// others that differ in those bytes only; the caller keeps the one whose path is `path`.
export function exactPathspec(path: string): string {
  if (!ESCAPED_BYTE.test(path)) return `:(literal)${path}`;
  return `:(glob)${path.replace(/[*?[\\]/g, '\\$&').replace(ESCAPED_BYTE_G, '?')}`;
}

// The LFS file at exactly `path` (relative to the root, whatever `cwd` in the working tree) in the
// index, if it is one: one `git cat-file --batch` run that looks the path up itself (`:0:<path>`,
// stage 0 as ls-files would list it; the stage is spelled out so that a file named `1:x` is not
// stage 1 of `x`), where `ls-files` and `cat-file` are two. Its mode is not asked: a reader needs
// the pointer. A name with a line feed cannot be one line of cat-file's input: listed instead.
export async function lfsFileAt(cwd: string, path: string): Promise<IndexedLfsFile | undefined> {
  if (path.includes('\n')) {
    const listed = (await listLfsFiles(cwd, [exactPathspec(path)])).find((f) => f.path === path);
    return listed && { path, blob: listed.blob, pointer: listed.pointer, pointerBytes: listed.pointerBytes };
  }
  const object = await readSmallNamed(cwd, Buffer.concat([INDEX_STAGE_0, pathToBytes(path)]), MAX_POINTER_SIZE);
  const pointer = object?.type === 'blob' && object.size > 0 ? parsePointer(object.content) : undefined;
  return pointer && object ? { path, blob: object.id, pointer, pointerBytes: object.content } : undefined;
}

export type IndexedLfsFile = Omit<LfsFile, 'mode'>;

const INDEX_STAGE_0 = Buffer.from(':0:');

// The LFS files of the index that the working tree holds for git-lfs: a valid pointer blob *and*
// `filter=lfs` by .gitattributes, as git decides it (`git check-attr`). A plain-git file whose
// text happens to be a pointer (a test fixture, a document about LFS) is git's own: checkouts
// write it as it is, so hydrate, dehydrate and status leave it alone.
export async function listWorktreeLfsFiles(root: string, pathspecs: readonly string[] = []): Promise<WorktreeLfsFile[]> {
  return (await listWorktreePointers(root, pathspecs)).lfs;
}

export interface WorktreePointers {
  // filter=lfs: git-lfs's (and lfs-lazy's) files.
  lfs: WorktreeLfsFile[];
  // Committed as pointers, but .gitattributes does not send them through LFS (a file about LFS, or
  // one `git lfs untrack` left), so git checks out and commits the pointer text as it is.
  outsideLfs: WorktreeLfsFile[];
}

// Every index entry among `pathspecs` whose blob is an LFS pointer, by whether .gitattributes
// sends it through LFS.
export async function listWorktreePointers(root: string, pathspecs: readonly string[] = []): Promise<WorktreePointers> {
  const entries = await listEntries(root, pathspecs, undefined, true);
  // A few paths (a command on some files): their attributes are asked while the blobs are read,
  // one git run's wait less. Many: only the pointers' are asked, after.
  const early = entries.length <= ATTRIBUTES_WITH_BLOBS ? filterAttributes(root, entries.map((e) => e.path)) : undefined;
  early?.catch(() => undefined);
  const blobs = await readSmallBlobs(root, entries.map((e) => e.blob));
  const candidates: Array<WorktreeLfsFile & { entry: number }> = [];
  for (const [entry, { path, mode, blob, stage, tag = 'H' }] of entries.entries()) {
    const bytes = blobs.get(blob);
    if (!bytes || bytes.length === 0) continue;
    const pointer = parsePointer(bytes);
    if (!pointer) continue;
    const upper = tag.toUpperCase();
    candidates.push({ path, mode, blob, pointer, pointerBytes: bytes, skipWorktree: upper === 'S', assumeUnchanged: tag !== upper, unmerged: stage !== 0, entry });
  }
  const filtered = early === undefined ? await filterAttributes(root, candidates.map((c) => c.path)) : await early.then((all) => candidates.map((c) => all[c.entry]));
  const files = candidates.map(({ entry: _, ...file }) => file);
  return { lfs: files.filter((_, i) => filtered[i] === 'lfs'), outsideLfs: files.filter((_, i) => filtered[i] !== 'lfs') };
}

const ATTRIBUTES_WITH_BLOBS = 64;

// The `filter` attribute of each path (root-relative), in order: one `git check-attr` run.
export async function filterAttributes(root: string, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return [];
  const { stdout } = await git(['check-attr', '-z', '--stdin', 'filter'], { cwd: root, input: paths.map((p) => `${p}\0`).join('') });
  // "<path> NUL filter NUL <value> NUL" per path, in the order given.
  const fields = stdout.split('\0');
  return paths.map((_, i) => fields[i * 3 + 2] ?? 'unspecified');
}
