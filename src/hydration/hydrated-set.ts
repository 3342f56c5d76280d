import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from '../util/file-lock.js';
import { readFile } from '../util/plain-fs.js';
import { assertValidPattern, decide, hasWildcard, literalCovers, patternProblem, type Selection, type Rule } from './pathspec-match.js';
import { formatRule, parseRule } from './pattern-line.js';

// The clone's hydrated set: which paths are materialised with their content on checkout. Local
// to the clone, like sparse-checkout patterns; kept in <common git dir>/lfs-lazy/hydrated, one
// rule per line (pattern-line.ts: `pattern`, `!pattern` for paths taken back out by dehydrate,
// C-quoted where a name needs it). A line whose pattern git cannot match with is ignored, reported
// through `problems`, and kept as it is when the file is rewritten: it is the user's to fix.
export class HydratedSet {
  private constructor(
    readonly file: string,
    private rules: Rule[],
    private readonly invalid: ReadonlyArray<{ line: Buffer; problem: string }> = [],
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
  // A change that would write the file back byte for byte (hydrate of a path the set has already)
  // takes no lock and writes nothing: saving what was read, whole, is the same as not saving.
  // `change` may thus run twice (on the file as read first, then under the lock): it must only
  // change the set it is given.
  static async update(commonDir: string, change: (set: HydratedSet) => void): Promise<HydratedSet> {
    const file = HydratedSet.fileFor(commonDir);
    const text = await HydratedSet.readBytes(file);
    if (text !== undefined) {
      const unlocked = HydratedSet.parse(file, text);
      change(unlocked);
      if (unlocked.bytes().equals(text)) return unlocked;
    }
    return withFileLock(`${file}.lock`, async () => {
      const set = await HydratedSet.read(file);
      change(set);
      await set.write();
      return set;
    });
  }

  private static async readBytes(file: string): Promise<Buffer | undefined> {
    try {
      return await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return undefined;
    }
  }

  private static async read(file: string): Promise<HydratedSet> {
    return HydratedSet.parse(file, (await HydratedSet.readBytes(file)) ?? Buffer.alloc(0));
  }

  private static parse(file: string, text: Buffer): HydratedSet {
    const rules: Rule[] = [];
    const invalid: Array<{ line: Buffer; problem: string }> = [];
    splitLines(text).forEach((line, index) => {
      if (line[0] === 0x23 || line.toString('latin1').trim() === '') return; // a comment, a blank line
      const rule = parseRule(line);
      const problem = patternProblem(rule.pattern);
      if (problem === undefined) rules.push(rule);
      else invalid.push({ line, problem: `ignoring the pattern ${JSON.stringify(rule.pattern)} on line ${index + 1} of ${file}: ${problem}` });
    });
    return new HydratedSet(file, rules, invalid);
  }

  // For tests and callers that hold rules already, in the file's syntax.
  static of(file: string, lines: readonly string[]): HydratedSet {
    return new HydratedSet(file, lines.map(parseRule));
  }

  // The rules in the file's syntax (`data`, `!data/a.json`, `"#notes.bin"`).
  get entries(): readonly string[] {
    return this.rules.map(formatRule);
  }

  get valid(): readonly Rule[] {
    return this.rules;
  }

  // One line per ignored line of the file, for the user.
  get problems(): readonly string[] {
    return this.invalid.map((i) => i.problem);
  }

  decide(path: string): Selection {
    return decide(this.rules, path);
  }

  has(path: string): boolean {
    return this.decide(path) === 'selected';
  }

  // Adds patterns at the end, where they win over anything before them; earlier lines they make
  // dead (the same pattern, its exclusion, a literal path inside it) go, so the file stays short.
  // A pattern git cannot match with is refused (LfsLazyError) before anything changes.
  add(patterns: readonly string[]): void {
    patterns.forEach(assertValidPattern);
    for (const pattern of patterns) this.append({ pattern, exclude: false });
  }

  // Takes patterns out: the lines they cover go, and `!pattern` is appended, always. Even when no
  // pattern selects the paths any more, the exclusion says the user wants them as pointers: a
  // checkout otherwise gives content to every path whose object is in the local store.
  remove(patterns: readonly string[]): void {
    patterns.forEach(assertValidPattern);
    for (const pattern of patterns) this.append({ pattern, exclude: true });
  }

  // A rule already there and not overridden — no later rule can name a path it names (literal
  // paths apart from one another) — decides its paths as it would at the end: it stays where it
  // is, and the file is not rewritten (hydrate of a path already hydrated changes nothing).
  private append(added: Rule): void {
    const at = this.rules.findLastIndex((rule) => rule.pattern === added.pattern && rule.exclude === added.exclude);
    if (at >= 0 && this.rules.slice(at + 1).every((later) => apart(added.pattern, later.pattern))) return;
    this.rules = this.rules.filter((rule) => !covers(added.pattern, rule));
    this.rules.push(added);
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
    await writeFile(temp, this.bytes(), { mode: 0o600 });
    await rename(temp, this.file);
  }

  // The file's content for this set.
  private bytes(): Buffer {
    const lines = [...this.invalid.map((i) => i.line), ...this.rules.map((rule) => Buffer.from(formatRule(rule)))];
    return Buffer.concat(lines.flatMap((line) => [line, NEWLINE]));
  }
}

const NEWLINE = Buffer.from('\n');

function splitLines(text: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  for (let start = 0; start < text.length; ) {
    const newline = text.indexOf(0x0a, start);
    const end = newline < 0 ? text.length : newline;
    lines.push(text.subarray(start, end));
    start = end + 1;
  }
  return lines;
}

// A rule made dead by `pattern` placed after it: the same pattern (or its exclusion), any rule
// before `.`, or a literal path inside a literal pattern. Wildcard coverage is not worked out:
// such rules just stay.
function covers(pattern: string, rule: Rule): boolean {
  if (rule.pattern === pattern || pattern === '.') return true;
  return !hasWildcard(pattern) && !hasWildcard(rule.pattern) && literalCovers(pattern, rule.pattern);
}

// Two patterns that can name no path in common: both literal, neither inside the other.
function apart(a: string, b: string): boolean {
  return !hasWildcard(a) && !hasWildcard(b) && !literalCovers(a, b) && !literalCovers(b, a);
}
