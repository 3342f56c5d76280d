// What the end-to-end tests look for on disk: the files under a directory, their hashes, and
// whether every object in a local LFS store is what its name says.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';

// Absolute paths of the regular files below `dir` ([] when it does not exist); `skip` gets each
// path relative to `dir`.
export async function filePaths(dir: string, skip: (rel: string) => boolean = () => false): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((p) => !skip(relative(dir, p)));
}

export async function fileNames(dir: string): Promise<string[]> {
  return (await filePaths(dir)).map((p) => basename(p));
}

export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// Every file in the clone's .git/lfs/objects hashes to its own name: nothing partial or corrupt
// was ever renamed into place.
export async function assertLocalObjectsIntact(clone: string, objectsDir = join(clone, '.git', 'lfs', 'objects')): Promise<void> {
  for (const object of await filePaths(objectsDir)) {
    assert.equal(await fileSha256(object), basename(object), `corrupt local object ${object}`);
  }
}
