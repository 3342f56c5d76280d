// `/<path>`: a file of the checked-out revision, as `lfs-lazy cat` reads it — an LFS file (pointer
// or hydrated) is its object, any other file its bytes in the working tree — except that no
// symbolic link is ever followed: one at the path itself is served as git stores it (its target,
// as text), and a path through one is not a file of the repository's tree.
import { createHash } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { open as openFile, readlink } from 'node:fs/promises';
import { resolveFileSource, type FileSource } from '../api/file-source.js';
import { LazyStream, type OpenedSource } from '../api/lazy-stream.js';
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import type { RepositoryContext } from '../repository/context.js';
import { fsPath } from '../util/path-bytes.js';
import { lstatQuietly } from '../util/stat-quietly.js';
import { readPieceFor } from '../util/read-pieces.js';
import type { LfsSnapshots } from '../repository/lfs-snapshots.js';
import { asError } from '../errors/index.js';
import { bufferFile, libraryFile, type Lookup, type ServedFile, type Span } from './served-file.js';

// `path` has been checked by request-target.ts: root-relative, no `.`, `..`, `.git` or empty
// segment.
export async function worktreeFile(ctx: RepositoryContext, root: string, snapshots: LfsSnapshots, path: string): Promise<Lookup> {
  const walk = walkWithoutFollowing(root, path);
  if (walk.kind === 'through-link') return { missing: `${path} is not in the repository (the path goes through a symbolic link)` };
  if (walk.kind === 'link') {
    const target = await readlink(fsPath(root, path), { encoding: 'buffer' });
    return { file: bufferFile(path, target, `"${sha256(target)}"`) };
  }
  if (walk.kind === 'directory') return { missing: `${path} is a directory` };

  let source: FileSource;
  try {
    source = await resolveFileSource(root, root, path, undefined, (_, rel) => snapshots.inIndex(rel));
  } catch (err) {
    // Not in the repository, or a directory: the client asked for nothing that exists.
    if (err instanceof LfsLazyError && (err.code === ErrorCode.NotFound || err.code === ErrorCode.BadRequest)) return { missing: err.message };
    throw err;
  }
  if (source.kind === 'lfs') return { file: libraryFile(ctx, source, source.pointer.size, `"${source.pointer.oid}"`) };
  // A plain file: resolveFileSource found it on disk, so the walk did.
  if (walk.kind !== 'file') return { missing: `${path} is not in the repository` };
  return { file: plainFile(root, path, walk.stats) };
}

type Walk =
  | { kind: 'file'; stats: Stats }
  | { kind: 'link' }
  | { kind: 'directory' }
  | { kind: 'through-link' }
  // Not on disk (an LFS file deleted from the working tree is still read from its index entry).
  | { kind: 'absent' };

// lstat of each leading component: none may be a symbolic link, whatever it points to.
function walkWithoutFollowing(root: string, path: string): Walk {
  const names = path.split('/');
  for (let i = 1; i <= names.length; i++) {
    const stats = lstatQuietly(fsPath(root, names.slice(0, i).join('/')));
    if (stats === undefined) return { kind: 'absent' };
    const last = i === names.length;
    if (stats.isSymbolicLink()) return last ? { kind: 'link' } : { kind: 'through-link' };
    if (last) return stats.isDirectory() ? { kind: 'directory' } : stats.isFile() ? { kind: 'file', stats } : { kind: 'absent' };
    if (!stats.isDirectory()) return { kind: 'absent' };
  }
  return { kind: 'absent' };
}

// An ordinary file of the working tree. Opened with O_NOFOLLOW, and only if it is still the file
// that was found (same inode, size and mtime), so the length announced is the length sent.
function plainFile(root: string, path: string, found: Stats): ServedFile {
  const absolute = fsPath(root, path);
  const open = async (span: Span | undefined): Promise<OpenedSource> => {
    const handle = await openFile(absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const now = await handle.stat();
      if (now.ino !== found.ino || now.size !== found.size || now.mtimeMs !== found.mtimeMs) {
        throw new LfsLazyError(`${path} changed while being read; read it again`, { code: ErrorCode.Unavailable, retryable: true });
      }
    } catch (err) {
      await handle.close();
      throw err;
    }
    const expectedLength = span ? span.end - span.start + 1 : found.size;
    return { stream: handle.createReadStream({ ...(span && { start: span.start, end: span.end }), highWaterMark: readPieceFor(expectedLength) }), expectedLength };
  };
  return {
    path,
    size: found.size,
    etag: `"${sha256(Buffer.from(`${found.dev}:${found.ino}:${found.size}:${found.mtimeMs}`))}"`,
    open: (span) => new LazyStream({ open: () => open(span), mapError: asError }),
  };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
