// Where the text of a label map comes from: a file that holds either an LFS pointer (the object is
// read from the local store, fetched from the bucket first if needed, verified) or the content
// itself; or a git blob at a revision or in the index, which again may be a pointer.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { objectHeaders, objectStream, readWholeObjects } from '../git/cat-file.js';
import { git } from '../git/git.js';
import { LfsLazyError } from '../errors/index.js';
import { MAX_POINTER_SIZE, parsePointer, type Pointer } from '../protocol/pointer.js';
import { objectForReading } from '../local/read-cache.js';
import type { RepositoryContext } from '../repository/context.js';
import type { LabelMapInput } from './sorted-inputs.js';

export interface LabelMapContent {
  // Present when the file or blob is an LFS pointer.
  pointer?: Pointer;
  // The file or blob itself is empty (no content, or the pointer of the empty object).
  empty: boolean;
  // Bytes of the content when it is small (< 1024 bytes and not a pointer).
  small?: Buffer;
  input: LabelMapInput;
}

// The first bytes of a file, and its whole content when shorter than a pointer can be.
async function readHead(path: string): Promise<{ bytes: Buffer; whole: boolean }> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_POINTER_SIZE);
    const { bytesRead } = await handle.read(buffer, 0, MAX_POINTER_SIZE, 0);
    return { bytes: buffer.subarray(0, bytesRead), whole: bytesRead < MAX_POINTER_SIZE };
  } finally {
    await handle.close();
  }
}

// What a pointer stands for, fetched into the read cache when no local store has it.
async function pointerContent(ctx: RepositoryContext, pointer: Pointer): Promise<LabelMapContent> {
  if (pointer.extensions.length > 0) {
    throw new LfsLazyError('the pointer uses git-lfs extensions, which lfs-lazy does not apply');
  }
  if (pointer.size === 0) return { pointer, empty: true, input: () => Readable.from([]) };
  const path = await objectForReading(ctx, () => ctx.remote(), pointer.oid, pointer.size, ctx.logger);
  return { pointer, empty: false, input: () => createReadStream(path, { highWaterMark: 1 << 16 }) };
}

// A file in the working tree or one of git's temporary merge files.
export async function fileContent(ctx: RepositoryContext, path: string): Promise<LabelMapContent> {
  const { bytes, whole } = await readHead(path);
  if (whole) {
    const pointer = parsePointer(bytes);
    if (pointer) return pointerContent(ctx, pointer);
    return { empty: false, small: bytes, input: () => Readable.from([bytes]) };
  }
  return { empty: false, input: () => createReadStream(path, { highWaterMark: 1 << 16 }) };
}

// Only the pointer, when the file holds one (nothing is fetched).
export async function filePointer(path: string): Promise<{ pointer?: Pointer; bytes?: Buffer }> {
  const { bytes, whole } = await readHead(path);
  if (!whole) return {};
  const pointer = parsePointer(bytes);
  return pointer ? { pointer, bytes } : { bytes };
}

// A blob by name (`HEAD:data/labels.json`, `:data/labels.json` for the index), or undefined when
// there is no such path there.
export async function blobContent(ctx: RepositoryContext, cwd: string, spec: string): Promise<LabelMapContent | undefined> {
  // (`<rev>:<path>^{blob}` would read as a path ending in ^{blob}.)
  const found = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', spec], { cwd, okCodes: [1, 128] });
  if (found.code !== 0) return undefined;
  const blob = found.stdout.trim();
  const header = (await objectHeaders(cwd, [blob])).get(blob);
  if (header === undefined) throw new LfsLazyError(`git has no object ${blob} (${spec})`);
  if (header.type !== 'blob') throw new LfsLazyError(`${spec} is a ${header.type}, not a file`);
  if (header.size < MAX_POINTER_SIZE) {
    const bytes = (await readWholeObjects(cwd, [blob])).get(blob) ?? Buffer.alloc(0);
    const pointer = parsePointer(bytes);
    if (pointer) return pointerContent(ctx, pointer);
    return { empty: false, small: bytes, input: () => Readable.from([bytes]) };
  }
  return { empty: false, input: () => objectStream(cwd, blob) };
}
