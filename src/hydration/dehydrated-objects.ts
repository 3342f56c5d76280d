// The objects `dehydrate` turned back into pointers: <git common dir>/lfs-lazy/dehydrated, one oid
// per line. A `!pattern` in the hydrated set keeps a path a pointer only for these objects. Any other
// content of an excluded path whose object is local (an edit that `git stash` stored, or another
// version that branch switches bring back) is content the user never asked to hide, and it may exist
// nowhere but on this machine: a pointer there could lose it to `git lfs prune`.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export function dehydratedObjectsFile(commonDir: string): string {
  return join(commonDir, 'lfs-lazy', 'dehydrated');
}

export async function loadDehydratedObjects(commonDir: string): Promise<ReadonlySet<string>> {
  try {
    const text = await readFile(dehydratedObjectsFile(commonDir), 'utf8');
    return new Set(text.split('\n').filter((line) => /^[0-9a-f]{64}$/.test(line)));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw err;
  }
}

// Appends (O_APPEND: concurrent runs interleave whole lines); a repeated oid is harmless.
export async function recordDehydratedObjects(commonDir: string, oids: Iterable<string>): Promise<void> {
  const lines = [...new Set(oids)].map((oid) => `${oid}\n`).join('');
  if (lines === '') return;
  const file = dehydratedObjectsFile(commonDir);
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, lines, { mode: 0o600 });
}
