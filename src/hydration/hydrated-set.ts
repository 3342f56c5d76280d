import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from '../util/file-lock.js';
import { hasWildcard, isSelected, pathspecMatches } from './pathspec-match.js';

// The clone's hydrated set: which paths are materialised with their content on checkout. Local
// to the clone, like sparse-checkout patterns; kept in <common git dir>/lfs-lazy/hydrated, one
// pattern per line, `!pattern` for paths taken back out by dehydrate.
export class HydratedSet {
  private constructor(
    readonly file: string,
    private patterns: string[],
  ) {}

  static fileFor(commonDir: string): string {
    return join(commonDir, 'lfs-lazy', 'hydrated');
  }

  static async load(commonDir: string): Promise<HydratedSet> {
    return HydratedSet.read(HydratedSet.fileFor(commonDir));
  }

  // Reads, changes and saves the set as one step for every process: two `hydrate` runs (or a
  // hydrate and a dehydrate) at the same time each see the other's patterns. Held under
  // <file>.lock; a lock left by a killed process is taken over (util/file-lock.ts).
  static async update(commonDir: string, change: (set: HydratedSet) => void): Promise<HydratedSet> {
    const file = HydratedSet.fileFor(commonDir);
    return withFileLock(`${file}.lock`, async () => {
      const set = await HydratedSet.read(file);
      change(set);
      await set.write();
      return set;
    });
  }

  private static async read(file: string): Promise<HydratedSet> {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const patterns = text.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
    return new HydratedSet(file, patterns);
  }

  // For tests and callers that hold patterns already (e.g. a committed default set).
  static of(file: string, patterns: readonly string[]): HydratedSet {
    return new HydratedSet(file, [...patterns]);
  }

  get entries(): readonly string[] {
    return this.patterns;
  }

  has(path: string): boolean {
    return isSelected(this.patterns, path);
  }

  // Adds patterns at the end, where they win over anything before them; earlier lines they make
  // dead (the same pattern, its exclusion, a literal path inside it) go, so the file stays short.
  add(patterns: readonly string[]): void {
    for (const pattern of patterns) {
      this.patterns = this.patterns.filter((line) => !covers(pattern, line));
      this.patterns.push(pattern);
    }
  }

  // Takes patterns out. Lines they cover go; if what is left still selects some of what a pattern
  // names (a broader line such as `data` for `data/a.json`, or a wildcard line selecting one of
  // `matched`, the files the pattern selects today), an exclusion is added after it. `before`:
  // patterns that take effect ahead of this set (committed defaults), which the exclusion also beats.
  remove(patterns: readonly string[], matched: readonly string[] = [], before: readonly string[] = []): void {
    for (const pattern of patterns) {
      this.patterns = this.patterns.filter((line) => !covers(pattern, line));
      const selects = (path: string): boolean => isSelected([...before, ...this.patterns], path);
      const literalStillIn = !hasWildcard(pattern) && selects(pattern.replace(/\/+$/, ''));
      if (literalStillIn || matched.some((path) => pathspecMatches(pattern, path) && selects(path))) {
        this.patterns.push(`!${pattern}`);
      }
    }
  }

  // Overwrites the file with this set, whatever another process saved since it was loaded; to
  // change the set, use HydratedSet.update.
  async save(): Promise<void> {
    await withFileLock(`${this.file}.lock`, () => this.write());
  }

  // Only under the lock: the temp name is then this process's alone, and a leftover of a killed
  // holder is simply overwritten. Readers (the filter, status) see the old file or the new one.
  private async write(): Promise<void> {
    const temp = `${this.file}.tmp`;
    await writeFile(temp, this.patterns.map((p) => `${p}\n`).join(''), { mode: 0o600 });
    await rename(temp, this.file);
  }
}

// A line made dead by `pattern` placed after it: the same pattern (or its exclusion), any line
// after `.`, or a literal path inside a literal pattern. Wildcard coverage is not worked out: such lines just stay.
function covers(pattern: string, line: string): boolean {
  const body = line.startsWith('!') ? line.slice(1) : line;
  if (body === pattern || pattern === '.') return true;
  return !hasWildcard(pattern) && !hasWildcard(body) && pathspecMatches(pattern, body);
}
