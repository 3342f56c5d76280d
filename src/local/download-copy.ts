// hydrate's working-tree copy, written while the object downloads (local/verified-download.ts
// DownloadCopy): the new content of the first file of an object, renamed over its pointer
// afterwards. Only hydrate asks for it; the agent's downloads have no copy.
import { open, rm, type FileHandle } from 'node:fs/promises';
import { preallocate } from '../util/preallocate.js';
import type { DownloadCopy } from './verified-download.js';

// `path` is created with `mode` (less the umask); a Buffer path is a working-tree name that is not
// UTF-8 (util/path-bytes.ts). `size` is reserved on disk first (see util/preallocate.ts).
export function copyWhileDownloading(path: string | Buffer, mode: number, size: number): DownloadCopy {
  return {
    async open() {
      const file = await openFresh(path, mode);
      return { file, ready: preallocate(path, size) };
    },
  };
}

// What an earlier, failed run left at the copy's path goes first.
async function openFresh(path: string | Buffer, mode: number): Promise<FileHandle> {
  try {
    return await open(path, 'wx', mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    await rm(path, { force: true });
    return open(path, 'wx', mode);
  }
}
