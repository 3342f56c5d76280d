// A file as a revision has it, read from git's object database without touching the index or the
// working tree: an LFS file (its blob is a pointer, whatever .gitattributes says, as for the
// index in lfs-files.ts) or an ordinary file (the blob itself, bytes exactly as committed).
import type { Readable } from 'node:stream';
import { objectStream, readWholeObjects } from '../git/cat-file.js';
import { treeEntryAt } from '../git/index-entries.js';
import { checkRevision, resolveCommit, showRevision } from '../git/revision.js';
import { MAX_POINTER_SIZE, parsePointer, type Pointer } from '../protocol/pointer.js';

export { checkRevision, resolveCommit, showRevision };

export type RevisionFile =
  | { kind: 'lfs'; path: string; pointer: Pointer }
  | { kind: 'blob'; path: string; blob: string; size: number }
  // A symbolic link: its blob is the link's target, as text (what git stores). The library
  // refuses to read one; the read server serves the text, never the target.
  | { kind: 'symlink'; path: string; blob: string; size: number }
  // Entries that are not a file's content: a read of one is refused by the caller.
  | { kind: 'directory' | 'submodule'; path: string };

// The file at exactly `path` (root-relative, `/`-separated) in `commit` (a full id, resolveCommit's).
export async function revisionFileAt(root: string, commit: string, path: string): Promise<RevisionFile | undefined> {
  const entry = await treeEntryAt(root, commit, path);
  if (entry === undefined) return undefined;
  if (entry.type === 'tree') return { kind: 'directory', path };
  if (entry.type === 'commit') return { kind: 'submodule', path };
  if (entry.mode === '120000') return { kind: 'symlink', path, blob: entry.id, size: entry.size };
  if (entry.size > 0 && entry.size < MAX_POINTER_SIZE) {
    const bytes = (await readWholeObjects(root, [entry.id])).get(entry.id);
    const pointer = bytes && parsePointer(bytes);
    if (pointer) return { kind: 'lfs', path, pointer };
  }
  return { kind: 'blob', path, blob: entry.id, size: entry.size };
}

// An ordinary file's bytes at a revision, streamed out of git at the reader's pace.
export function blobContent(root: string, blob: string): Readable {
  return objectStream(root, blob);
}
