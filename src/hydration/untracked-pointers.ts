// Files a pathspec names that git does not track but that hold an LFS pointer: a lazy pointer left
// untracked (`git mv` of a pointer, then `git reset`; a pointer copied by hand). Neither hydrate nor
// a checkout writes a file git does not track; `git add` stages the pointer as it is (the clean
// filter keeps a pointer a pointer), after which it is an LFS file like any other. Asked only when
// a pathspec matched no LFS file, to say so instead of "a typo".
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from '../git/git.js';
import { MAX_POINTER_SIZE, parsePointer } from '../protocol/pointer.js';
import { exactPathspec } from '../repository/lfs-files.js';
import { pathToBytes } from '../util/path-bytes.js';

export async function untrackedPointers(root: string, pathspecs: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const path of pathspecs) {
    const file = join(root, path);
    const info = await stat(pathToBytes(file)).catch(() => undefined);
    if (!info?.isFile() || info.size === 0 || info.size >= MAX_POINTER_SIZE) continue;
    if (!parsePointer(await readFile(pathToBytes(file)))) continue;
    const tracked = await git(['ls-files', '-z', '--', exactPathspec(path)], { cwd: root });
    if (!tracked.stdout.split('\0').includes(path)) found.push(path);
  }
  return found;
}
