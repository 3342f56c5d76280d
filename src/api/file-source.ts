import { open } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { LfsLazyError, ErrorCode } from '../errors/index.js';
import { MAX_POINTER_SIZE, parsePointer, type Pointer } from '../protocol/pointer.js';
import { lfsFileAt, type IndexedLfsFile } from '../repository/lfs-files.js';
import { nestedRepositoryAdvice } from '../repository/nested-repository.js';
import { bytesToPath, fsPath } from '../util/path-bytes.js';
import { statQuietly } from '../util/stat-quietly.js';

// What a repository path is, resolved once per read: a plain file read from the working tree as it
// is, an ordinary file of a revision (a git blob), or an LFS file whose content is the object its
// pointer names. `absolute` is as fs takes it: a Buffer for a name that is not UTF-8
// (util/path-bytes.ts).
export type FileSource =
  | { kind: 'plain'; path: string; absolute: string | Buffer }
  | { kind: 'blob'; path: string; blob: string; size: number }
  | {
      kind: 'lfs';
      path: string;
      pointer: Pointer;
      // The working-tree file when it already holds the content (hydrated): readable without the
      // store. Never set for a file read at a revision.
      hydratedFile?: string | Buffer | undefined;
    };

// How a path's index entry is found: by default, asking git (one process per path); a
// long-running caller (the read server) may answer from a snapshot of the index.
export type IndexLookup = (root: string, path: string) => Promise<IndexedLfsFile | undefined>;

// `path` is relative to the repository root, or else to `dir` (where the repository was opened).
// Errors name it as `show` prints it (quoted as git quotes paths).
export async function resolveFileSource(
  root: string,
  dir: string,
  path: string,
  show: (path: string) => string = (p) => p,
  indexLookup: IndexLookup = lfsFileAt,
): Promise<FileSource> {
  for (const rel of repositoryPaths(root, dir, path, show)) {
    const source = await resolveRepoPath(root, rel, show, indexLookup);
    if (source) return source;
  }
  throw new LfsLazyError(`${show(path)} is not in the repository`, { code: ErrorCode.NotFound });
}

// The root-relative paths `path` may mean, in the order they are tried: relative to the root, then
// to `dir`. git's own files are not repository content.
export function repositoryPaths(root: string, dir: string, path: string, show: (path: string) => string): string[] {
  if (typeof path !== 'string' || path === '') throw new LfsLazyError('a path is required', { code: ErrorCode.BadRequest });
  const candidates = [...new Set([toRepoPath(root, resolve(root, path)), toRepoPath(root, resolve(dir, path))])];
  if (candidates.every((rel) => rel === undefined)) {
    throw new LfsLazyError(`${show(path)} is outside the repository at ${root}`, { code: ErrorCode.BadRequest });
  }
  return candidates.filter((rel): rel is string => rel !== undefined && rel !== '.git' && !rel.startsWith('.git/'));
}

async function resolveRepoPath(root: string, rel: string, show: (path: string) => string, indexLookup: IndexLookup): Promise<FileSource | undefined> {
  const absolute = fsPath(root, rel);
  // Exactly that path: a file named `*.bin` is that file, not a glob, and the contents of a
  // directory with that name do not count.
  const indexed = await indexLookup(root, rel);
  const info = statQuietly(absolute);
  if (info?.isDirectory()) throw new LfsLazyError(`${show(rel)} is a directory`, { code: ErrorCode.BadRequest });

  if (indexed) {
    const { pointer, pointerBytes } = indexed;
    // Same size as the object and not the pointer itself: a hydrated file (not hashed on each read).
    // The file is opened only when the object is exactly as long as its pointer: any other size
    // already tells the two apart (a lazy clone's pointers are read on every request otherwise).
    const sized = info !== undefined && info.isFile() && info.size === pointer.size;
    const hydrated = sized && !(info.size === pointerBytes.length && (await readSmall(absolute))?.equals(pointerBytes) === true);
    return { kind: 'lfs', path: rel, pointer, ...(hydrated && { hydratedFile: absolute }) };
  }
  if (!info) return undefined;
  // Not an LFS file in the index, but its bytes may still be a pointer (untracked, or not yet added).
  if (info.size > 0 && info.size < MAX_POINTER_SIZE) {
    const bytes = await readSmall(absolute);
    const pointer = bytes && parsePointer(bytes);
    if (pointer) {
      // Another repository's LFS file: its storage and index are that repository's.
      const nested = nestedRepositoryAdvice(root, rel);
      if (nested !== undefined) throw new LfsLazyError(nested, { code: ErrorCode.BadRequest });
      return { kind: 'lfs', path: rel, pointer };
    }
  }
  return { kind: 'plain', path: rel, absolute };
}

function toRepoPath(root: string, absolute: string): string | undefined {
  const rel = relative(root, absolute);
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

async function readSmall(path: string | Buffer): Promise<Buffer | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const buffer = Buffer.alloc(MAX_POINTER_SIZE);
    const { bytesRead } = await handle.read(buffer, 0, MAX_POINTER_SIZE, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

// An absolute path as a string (a name that is not UTF-8 keeps its bytes escaped).
export function absolutePath(absolute: string | Buffer): string {
  return typeof absolute === 'string' ? absolute : bytesToPath(absolute);
}
