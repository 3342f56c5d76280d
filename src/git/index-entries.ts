// The entries of git's index or of a revision's tree, as git lists them: `git ls-files -s` and
// `git ls-tree -r`, NUL-separated; one entry of a revision's tree (`git ls-tree -l`); and the
// index's modified paths (`git ls-files -m`). git() decodes the names with bytesToPath
// (util/path-bytes.ts), so a name that is not UTF-8 keeps its bytes. Entries come as git gives them; which ones matter (regular files, stage 0…) is the
// caller's choice.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import { git } from './git.js';

export interface GitEntry {
  // Relative to the repository root, `/`-separated.
  path: string;
  // Octal git mode: "100644", "100755", "120000" (symbolic link), "160000" (submodule).
  mode: string;
  // The object id (a commit for a submodule).
  blob: string;
  // 0, or 1–3 for the sides of an unmerged path; always 0 in a tree.
  stage: number;
  // With `tags` only: `git ls-files -v`'s tag ('H', 'S' for skip-worktree, lower case when
  // assume-unchanged).
  tag?: string;
}

export interface IndexListOptions {
  // Also read each entry's `ls-files -v` tag.
  tags?: boolean;
  // Another index file than the repository's (GIT_INDEX_FILE).
  indexFile?: string;
}

// The index entries a pathspec selects, with their root-relative paths. Pathspecs are relative to
// `cwd`, as in git.
export async function listIndexEntries(cwd: string, pathspecs: readonly string[], options: IndexListOptions = {}): Promise<GitEntry[]> {
  const args = ['ls-files', '-s', ...(options.tags ? ['-v'] : []), '-z', '--full-name', '--', ...pathspecs];
  const env = options.indexFile === undefined ? undefined : { ...process.env, GIT_INDEX_FILE: options.indexFile };
  const { stdout } = await git(args, { cwd, ...(env && { env }) });
  const entries: GitEntry[] = [];
  for (const record of records(stdout)) {
    const tab = record.indexOf('\t');
    const fields = record.slice(0, tab).split(' ');
    // "[<tag> ]<mode> <blob> <stage>"
    const tag = options.tags ? fields.shift() : undefined;
    const [mode = '', blob = '', stage = ''] = fields;
    entries.push({ path: record.slice(tab + 1), mode, blob, stage: Number(stage), ...(tag !== undefined && { tag }) });
  }
  return entries;
}

// The entries of a revision's tree (recursively: files, symbolic links and submodules, no
// directories). ls-tree takes pathspecs as literal prefixes, and relative to the root here
// (--full-tree), whatever `cwd`.
export async function listTreeEntries(cwd: string, rev: string, pathspecs: readonly string[]): Promise<GitEntry[]> {
  return treeEntries((await git(['ls-tree', '-r', '-z', '--full-tree', rev, '--', ...pathspecs], { cwd })).stdout);
}

function treeEntries(stdout: string): GitEntry[] {
  const entries: GitEntry[] = [];
  for (const record of records(stdout)) {
    const tab = record.indexOf('\t');
    // "<mode> <type> <blob>": the type follows from the mode.
    const [mode = '', , blob = ''] = record.slice(0, tab).split(' ');
    entries.push({ path: record.slice(tab + 1), mode, blob, stage: 0 });
  }
  return entries;
}

// A revision's entries selected exactly as listIndexEntries selects the index's (wildcards,
// relative pathspecs, which ls-tree does not understand): read into a throw-away index first.
export async function listRevisionAsIndex(cwd: string, rev: string, pathspecs: readonly string[]): Promise<GitEntry[]> {
  // Without a pathspec, ls-files lists what is under `cwd` (everything, outside a working tree), and
  // so does ls-tree run there: one git run, no throw-away index.
  if (pathspecs.length === 0) return treeEntries((await git(['ls-tree', '-r', '-z', '--full-name', rev], { cwd })).stdout);
  const indexFile = join(tmpdir(), `lfs-lazy-index-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await git(['read-tree', rev], { cwd, env: { ...process.env, GIT_INDEX_FILE: indexFile } });
    return await listIndexEntries(cwd, pathspecs, { indexFile });
  } finally {
    await rm(indexFile, { force: true });
  }
}

// Paths (root-relative) among `pathspecs` whose working file differs from the index, deleted ones
// included. `ls-files -m` compares content (through the clean filter) for stat-dirty entries of
// the recorded size, so a re-indexed hydrated file touched since is not reported; an entry whose
// size changed is reported without a look (a hydrated file never re-indexed: hydration's
// classifyFiles checks those by hash).
export async function modifiedPaths(root: string, pathspecs: readonly string[]): Promise<Set<string>> {
  const { stdout } = await git(['ls-files', '-m', '-z', '--full-name', '--', ...pathspecs], { cwd: root });
  return new Set(records(stdout));
}

export interface TreeEntry {
  // Octal git mode: "100644", "100755", "120000" (symbolic link), "160000" (submodule), "040000".
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  id: string;
  // Bytes of a blob; 0 for anything else.
  size: number;
}

// The entry at exactly `path` (root-relative, `/`-separated) in the tree of `commit` (a full id),
// or undefined when there is none. Nothing is followed: a symbolic link is its own entry.
export async function treeEntryAt(cwd: string, commit: string, path: string): Promise<TreeEntry | undefined> {
  if (!/^[0-9a-f]{40,64}$/.test(commit)) throw new LfsLazyError(`not a commit id: ${JSON.stringify(commit)}`, { code: ErrorCode.Internal });
  // A name that is not UTF-8 cannot be a process argument (util/path-bytes.ts).
  if (/[\udc80-\udcff]/.test(path)) return walkTo(cwd, commit, path.split('/'));
  // `:(literal)`: a file named `*.bin` is that file, not a glob. Without -r, a path inside a
  // directory is still listed (ls-tree descends along the path), a directory as itself.
  return findEntry(await listTree(cwd, [commit, '--', `:(literal)${path}`]), path);
}

// Down the tree one directory listing at a time, names compared as strings (git() decodes them the
// way the path was decoded): what a directory holds is what this costs.
async function walkTo(cwd: string, tree: string, names: readonly string[]): Promise<TreeEntry | undefined> {
  let entry: TreeEntry | undefined;
  for (const name of names) {
    if (entry !== undefined && entry.type !== 'tree') return undefined;
    entry = findEntry(await listTree(cwd, [entry?.id ?? tree]), name);
    if (entry === undefined) return undefined;
  }
  return entry;
}

function listTree(cwd: string, args: readonly string[]): Promise<string> {
  return git(['ls-tree', '-l', '-z', '--full-tree', ...args], { cwd }).then((result) => result.stdout);
}

function findEntry(listing: string, name: string): TreeEntry | undefined {
  for (const record of records(listing)) {
    const tab = record.indexOf('\t');
    if (tab < 0 || record.slice(tab + 1) !== name) continue;
    // "<mode> <type> <id> <size, padded; '-' for a tree or a submodule>"
    const [mode = '', type = '', id = '', size = ''] = record.slice(0, tab).split(/ +/);
    if (type !== 'blob' && type !== 'tree' && type !== 'commit') return undefined;
    return { mode, type, id, size: /^\d+$/.test(size) ? Number(size) : 0 };
  }
  return undefined;
}

function records(stdout: string): string[] {
  return stdout.split('\0').filter((record) => record.length > 0);
}
