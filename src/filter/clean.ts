// The clean filter (`git add`), byte for byte what git-lfs 3.3.0 writes (lfs/gitfilter_clean.go):
// content shorter than 1024 bytes that parses as a pointer comes back exactly as it went in (no
// object is created); anything else is streamed into the local object store while it is hashed,
// and its canonical pointer is the output. Empty content is the pointer of the empty object: "".
import { stat } from 'node:fs/promises';
import type { LocalObjectStore } from '../local/local-object-store.js';
import { MAX_POINTER_SIZE, encodePointer, parsePointer } from '../protocol/pointer.js';
import { lfsFileAt } from '../repository/lfs-files.js';
import { fsPath } from '../util/path-bytes.js';
import { cleanKnownObject } from './clean-known-object.js';
import { readHead } from './content-head.js';

// What the clean filter may know besides the content: the working-tree file of the path git names,
// and the object the index says that path holds. Only hints: git's bytes need not be either (see
// clean-known-object.ts), and the result always describes git's bytes.
export interface CleanHint {
  // A Buffer for a name that is not UTF-8 (util/path-bytes.ts fsPath).
  file: string | Buffer;
  expected(): Promise<{ oid: string; size: number } | undefined>;
}

// The hint for `pathname` of a working tree at `root` (none without a working tree).
export function cleanHintAt(root: string | undefined, pathname: string): CleanHint | undefined {
  if (!root) return undefined;
  return {
    file: fsPath(root, pathname),
    expected: async () => (await lfsFileAt(root, pathname))?.pointer,
  };
}

// Below this size, ingest() works in memory anyway; above it, the hint can save writing a copy.
// (Sizes are compared only to avoid running `git ls-files` for files that cannot be the object.)
const HINT_THRESHOLD = 8 * 1024 * 1024;

// Reads all of `content` (whatever happens, unless it throws) and returns the bytes to give git.
export async function cleanContent(content: AsyncIterable<Uint8Array>, local: LocalObjectStore, hint?: CleanHint): Promise<Buffer> {
  const { head, complete, all } = await readHead(content, MAX_POINTER_SIZE);
  if (complete && head.length < MAX_POINTER_SIZE && parsePointer(head) !== undefined) return head;
  const known = hint && (await alreadyStored(local, hint));
  const { oid, size } = known ? await cleanKnownObject(all, local, known) : await local.ingest(all);
  return encodePointer({ oid, size, extensions: [] });
}

async function alreadyStored(local: LocalObjectStore, hint: CleanHint): Promise<{ oid: string; size: number } | undefined> {
  const info = await stat(hint.file).catch(() => undefined);
  if (!info || info.size <= HINT_THRESHOLD) return undefined;
  const expected = await hint.expected().catch(() => undefined);
  if (!expected || expected.size !== info.size) return undefined;
  return (await local.has(expected.oid, expected.size)) ? expected : undefined;
}
