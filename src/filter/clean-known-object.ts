// Cleaning large content that is probably an object the local store already holds (the index
// names it for this path), without writing a second copy of it — while the pointer still always
// describes exactly the bytes git sent, whatever they are (`git hash-object --path=<p> <other>`
// sends another file's bytes under <p>'s name).
//
// Git's bytes are hashed and compared, as they arrive, with the stored object. While they match,
// nothing is written. At the first chunk that differs (or at the end, if git's bytes are not the
// whole object), the content goes into the store after all: the prefix already consumed — equal to
// the object's first bytes, as just compared — is read again from the object, and must hash to what
// git's prefix hashed to before anything after it is accepted (the object changing on disk meanwhile
// fails the blob rather than store wrong bytes); then git's remaining stream follows.
//
// Why keep this at all: hydrate records the index stat data of what it writes, so the index
// refresh after it cleans nothing. But git still cleans a large unchanged file whenever its stat
// data no longer matches: a `touch`, a tool that rewrites identical bytes, entries git wrote racily,
// `git stash`/`rebase`/`add -A` over such files, hydrate's fallback `update-index --refresh` (a split
// index), and `git add` of an edited large file compares up to the first difference. Each clean of
// an unchanged multi-GB file would otherwise write and delete a full temp copy. Measured on 400 MB
// (`touch; git status`): about the same time either way (git's pipe and SHA-256 dominate) but no
// 400 MB written to disk, and no need for that much free space: on a nearly full disk, the copy
// would make `git status` fail.
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { IntegrityError } from '../errors/index.js';
import type { LocalObjectStore } from '../local/local-object-store.js';

const READ_SIZE = 1024 * 1024;

export async function cleanKnownObject(
  content: AsyncIterable<Uint8Array>,
  local: LocalObjectStore,
  known: { oid: string; size: number },
): Promise<{ oid: string; size: number }> {
  let object: FileHandle;
  try {
    object = await open(local.pathFor(known.oid), 'r');
  } catch {
    return local.ingest(content); // pruned since we looked: nothing to compare with
  }
  try {
    const stored = new StoredBytes(object);
    const git = content[Symbol.asyncIterator]();
    const hash = createHash('sha256');
    let size = 0;
    for (let next = await git.next(); next.done !== true; next = await git.next()) {
      const chunk = next.value;
      if (!(await stored.startsWith(chunk))) {
        return await local.ingest(followedBy(storedPrefix(object, known.oid, size, hash.copy()), chunk, git));
      }
      hash.update(chunk);
      size += chunk.length;
    }
    const prefixHash = hash.copy();
    const oid = hash.digest('hex');
    if (size === known.size && oid === known.oid) return known;
    // A strict prefix of the object, or an object whose bytes are not its name (a corrupt store):
    // git's bytes are those same bytes, stored under their own oid.
    return await local.ingest(storedPrefix(object, known.oid, size, prefixHash));
  } finally {
    await object.close();
  }
}

// The object's bytes, read ahead in large blocks and consumed as git's chunks are compared.
class StoredBytes {
  private window = Buffer.alloc(0);
  private position = 0;
  constructor(private readonly file: FileHandle) {}

  // Whether the object's next bytes are `chunk`; consumes them. After false, do not call again.
  async startsWith(chunk: Uint8Array): Promise<boolean> {
    for (let checked = 0; checked < chunk.length; ) {
      if (this.window.length === 0) {
        const block = Buffer.allocUnsafe(READ_SIZE);
        const { bytesRead } = await this.file.read(block, 0, READ_SIZE, this.position);
        if (bytesRead === 0) return false;
        this.position += bytesRead;
        this.window = block.subarray(0, bytesRead);
      }
      const n = Math.min(this.window.length, chunk.length - checked);
      if (Buffer.compare(this.window.subarray(0, n), chunk.subarray(checked, checked + n)) !== 0) return false;
      this.window = this.window.subarray(n);
      checked += n;
    }
    return true;
  }
}

// The object's first `length` bytes, read again; they must hash to `expected` (git's own prefix),
// checked before the consumer gets anything that follows, so a failure leaves nothing stored.
async function* storedPrefix(file: FileHandle, oid: string, length: number, expected: Hash): AsyncGenerator<Buffer> {
  const check = createHash('sha256');
  for (let at = 0; at < length; ) {
    const block = Buffer.allocUnsafe(Math.min(READ_SIZE, length - at));
    const { bytesRead } = await file.read(block, 0, block.length, at);
    if (bytesRead === 0) break;
    const piece = block.subarray(0, bytesRead);
    check.update(piece);
    at += bytesRead;
    yield piece;
  }
  if (check.digest('hex') !== expected.digest('hex')) {
    throw new IntegrityError(`local object ${oid} changed on disk while it was compared with the content to clean; nothing was stored, try again`);
  }
}

async function* followedBy(prefix: AsyncIterable<Buffer>, chunk: Uint8Array, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* prefix;
  yield chunk;
  for (let next = await rest.next(); next.done !== true; next = await rest.next()) yield next.value;
}
