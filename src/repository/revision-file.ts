// One file of a commit's tree, looked up in git's object database without touching the working
// tree or the index: what `lfs-lazy serve` needs for `/@<rev>/<path>`. (Issue 16 gives the
// library `rev` too; until that lands this is the server's own, minimal way in.)
import type { Readable } from 'node:stream';
import { objectHeaders, objectStream, readWholeObjects } from '../git/cat-file.js';
import { git } from '../git/git.js';
import { MAX_POINTER_SIZE, parsePointer, type Pointer } from '../protocol/pointer.js';

export interface RevisionFile {
  // The blob git stores at that path (for a symbolic link: its target, as text).
  blob: string;
  size: number;
  // Set when the blob is an LFS pointer: the file's content is that object.
  pointer?: Pointer;
}

// The commit `rev` names, or undefined when it names none. The caller has already refused a rev
// with a leading `-`; it still goes after --end-of-options, so git never reads it as an option.
export async function resolveCommit(cwd: string, rev: string): Promise<string | undefined> {
  const found = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { cwd, okCodes: [1, 128] });
  const commit = found.stdout.trim();
  return found.code === 0 && /^[0-9a-f]{40,64}$/.test(commit) ? commit : undefined;
}

// The file at `path` (root-relative) in `commit`'s tree, or undefined when there is no file there
// (nothing, a directory, a submodule). `<commit>:<path>` goes to git on stdin, as bytes, so any name
// works but one containing a newline (the input's separator), which is reported as absent.
export async function revisionFile(cwd: string, commit: string, path: string): Promise<RevisionFile | undefined> {
  if (path.includes('\n') || path === '') return undefined;
  const headers = [...(await objectHeaders(cwd, [`${commit}:${path}`])).values()];
  const header = headers[0];
  if (header === undefined || header.type !== 'blob') return undefined;
  const file: RevisionFile = { blob: header.id, size: header.size };
  if (header.size > 0 && header.size < MAX_POINTER_SIZE) {
    const bytes = (await readWholeObjects(cwd, [header.id])).get(header.id);
    const pointer = bytes && parsePointer(bytes);
    if (pointer) file.pointer = pointer;
  }
  return file;
}

// A blob's bytes, read from git at the reader's pace.
export function blobStream(cwd: string, blob: string): Readable {
  return objectStream(cwd, blob);
}
