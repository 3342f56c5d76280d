// The name git gives a blob of these bytes, in the repository's object format (`like`: any object
// name of it — 40 hex digits for SHA-1, 64 for SHA-256), without a git run. node:crypto is loaded
// on the first call: most runs never need it (start-up-loads.test.ts).
export async function blobId(bytes: Buffer, like: string): Promise<string> {
  const { createHash } = await import('node:crypto');
  return createHash(like.length === 64 ? 'sha256' : 'sha1')
    .update(`blob ${bytes.length}\0`)
    .update(bytes)
    .digest('hex');
}
