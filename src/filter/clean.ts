// The clean filter (`git add`), byte for byte what git-lfs 3.3.0 writes (lfs/gitfilter_clean.go):
// content shorter than 1024 bytes that parses as a pointer comes back exactly as it went in (no
// object is created); anything else is streamed into the local object store while it is hashed,
// and its canonical pointer is the output. Empty content is the pointer of the empty object: "".
import type { LocalObjectStore } from '../local/local-object-store.js';
import { MAX_POINTER_SIZE, encodePointer, parsePointer } from '../protocol/pointer.js';
import { readHead } from './content-head.js';

// Reads all of `content` (whatever happens, unless it throws) and returns the bytes to give git.
export async function cleanContent(content: AsyncIterable<Uint8Array>, local: LocalObjectStore): Promise<Buffer> {
  const { head, complete, all } = await readHead(content, MAX_POINTER_SIZE);
  if (complete && head.length < MAX_POINTER_SIZE && parsePointer(head) !== undefined) return head;
  const { oid, size } = await local.ingest(all);
  return encodePointer({ oid, size, extensions: [] });
}
