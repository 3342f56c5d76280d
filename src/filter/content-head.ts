// Both filters decide on the first bytes: only content shorter than MAX_POINTER_SIZE can be a
// pointer. readHead reads just far enough to know, and hands back the whole content (the head
// followed by the rest, unread) for the cases that must stream it on.
export interface ContentHead {
  // Everything read so far: all of the content when `complete`, else at least `limit` bytes.
  head: Buffer;
  complete: boolean;
  // The whole content, head included; iterate it at most once.
  all: AsyncIterable<Uint8Array>;
}

export async function readHead(source: AsyncIterable<Uint8Array>, limit: number): Promise<ContentHead> {
  const iterator = source[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let length = 0;
  let complete = false;
  while (length < limit) {
    const next = await iterator.next();
    if (next.done === true) {
      complete = true;
      break;
    }
    chunks.push(next.value);
    length += next.value.length;
  }
  async function* all(): AsyncGenerator<Uint8Array> {
    yield* chunks;
    if (complete) return;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
  }
  return { head: Buffer.concat(chunks), complete, all: all() };
}
