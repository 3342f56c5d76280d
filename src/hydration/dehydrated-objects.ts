// What `dehydrate` turned back into pointers: <git common dir>/lfs-lazy/dehydrated, one line per
// file, `<oid> <path as a JSON string>`. A `!pattern` in the hydrated set keeps a path a pointer only
// for the object `dehydrate` took out *at that path*. Any other content of an excluded path whose
// object is local — an edit that `git stash` stored, another version that a branch switch brings
// back, or an edit that happens to equal an object dehydrated at another path (differential seed
// 500214) — is content the user never asked to hide, and it may exist nowhere but on this machine.
// A line with an oid alone (written by an earlier version) applies at every path.
import { dirname, join } from 'node:path';
import { appendFile, mkdir, readFile } from '../util/plain-fs.js';

export function dehydratedObjectsFile(commonDir: string): string {
  return join(commonDir, 'lfs-lazy', 'dehydrated');
}

export class DehydratedObjects {
  constructor(
    private readonly atPath: ReadonlySet<string> = new Set(),
    private readonly anywhere: ReadonlySet<string> = new Set(),
  ) {}

  has(oid: string, path: string): boolean {
    return this.anywhere.has(oid) || this.atPath.has(key(oid, path));
  }
}

const key = (oid: string, path: string): string => `${oid}\0${path}`;

export async function loadDehydratedObjects(commonDir: string): Promise<DehydratedObjects> {
  let text: string;
  try {
    text = await readFile(dehydratedObjectsFile(commonDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new DehydratedObjects();
    throw err;
  }
  const atPath = new Set<string>();
  const anywhere = new Set<string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-f]{64})(?: (".*"))?$/.exec(line);
    if (!match) continue;
    if (match[2] === undefined) {
      anywhere.add(match[1]!);
      continue;
    }
    try {
      const path: unknown = JSON.parse(match[2]);
      if (typeof path === 'string') atPath.add(key(match[1]!, path));
    } catch {
      // A line cut short by a crash mid-append: it applies nowhere.
    }
  }
  return new DehydratedObjects(atPath, anywhere);
}

// Appends what is not recorded yet (`loaded`: the record as the caller just read it) (O_APPEND: concurrent runs interleave whole lines, and a line
// two of them append is harmless), so the file holds each object and path once however often
// `dehydrate` runs: every smudge and status reads it whole.
export async function recordDehydratedObjects(commonDir: string, files: Iterable<{ oid: string; path: string }>, loaded?: DehydratedObjects): Promise<void> {
  const recorded = loaded ?? (await loadDehydratedObjects(commonDir));
  const fresh = [...files].filter(({ oid, path }) => !recorded.has(oid, path));
  const lines = [...new Set(fresh.map(({ oid, path }) => `${oid} ${JSON.stringify(path)}\n`))].join('');
  if (lines === '') return;
  const file = dehydratedObjectsFile(commonDir);
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, lines, { mode: 0o600 });
}
