// The clean filter (`git add`), byte for byte what git-lfs 3.3.0 writes (lfs/gitfilter_clean.go):
// content shorter than 1024 bytes that parses as a pointer comes back exactly as it went in (no
// object is created); anything else is streamed into the local object store while it is hashed,
// and its canonical pointer is the output. Empty content is the pointer of the empty object: "".
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { LocalObjectStore } from '../local/local-object-store.js';
import { MAX_POINTER_SIZE, encodePointer, parsePointer } from '../protocol/pointer.js';
import { readHead } from './content-head.js';

// What the clean filter may know besides the content: the working-tree file it comes from, and
// the object the index says that path holds.
export interface CleanHint {
  // A Buffer for a name that is not UTF-8 (util/path-bytes.ts fsPath).
  file: string | Buffer;
  expected(): Promise<{ oid: string; size: number } | undefined>;
}

// Below this size, ingest() works in memory anyway; above it, the hint can save writing a copy.
const HINT_THRESHOLD = 8 * 1024 * 1024;

// Reads all of `content` (whatever happens, unless it throws) and returns the bytes to give git.
export async function cleanContent(content: AsyncIterable<Uint8Array>, local: LocalObjectStore, hint?: CleanHint): Promise<Buffer> {
  const { head, complete, all } = await readHead(content, MAX_POINTER_SIZE);
  if (complete && head.length < MAX_POINTER_SIZE && parsePointer(head) !== undefined) return head;
  const known = hint && (await alreadyStored(local, hint));
  if (known) {
    // Every index refresh after a hydrate cleans the hydrated files again. When the local store
    // already holds the object the index names, hashing is enough to prove the content is that
    // object: no second copy of a multi-GB file is written just to be deleted.
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of all) {
      hash.update(chunk);
      size += chunk.length;
    }
    if (size === known.size && hash.digest('hex') === known.oid) return encodePointer({ ...known, extensions: [] });
    // The content changed since the index was written: store it from the file itself.
    const stored = await local.ingest(createReadStream(hint.file));
    return encodePointer({ ...stored, extensions: [] });
  }
  const { oid, size } = await local.ingest(all);
  return encodePointer({ oid, size, extensions: [] });
}

async function alreadyStored(local: LocalObjectStore, hint: CleanHint): Promise<{ oid: string; size: number } | undefined> {
  const info = await stat(hint.file).catch(() => undefined);
  if (!info || info.size <= HINT_THRESHOLD) return undefined;
  const expected = await hint.expected().catch(() => undefined);
  if (!expected || expected.size !== info.size) return undefined;
  return (await local.has(expected.oid, expected.size)) ? expected : undefined;
}
