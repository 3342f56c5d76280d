// The git merge driver for LFS-tracked JSON label maps (`merge=lfs-json`). git hands it three
// temporary files — %O base, %A ours, %B theirs — that hold the blobs as stored, i.e. LFS pointers,
// and takes whatever %A holds afterwards as the merged blob, without running the clean filter. So
// the merged map goes into the LFS store and %A receives its pointer; the next checkout smudges it
// and the next push uploads it.
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative } from 'node:path';
import { Transform } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { LfsLazyError } from '../errors/index.js';
import { encodePointer, type Pointer } from '../protocol/pointer.js';
import type { RepositoryContext } from '../repository/context.js';
import { fileContent, filePointer, type LabelMapContent } from './content.js';
import { mergeLabelMaps, MERGE_STRATEGIES, type MergeConflict, type MergeResult, type MergeStrategy } from './merge.js';
import { LabelMapFormatError } from './tokenizer.js';

export const STRATEGY_CONFIG_KEY = 'lfs-lazy.mergestrategy';
export const STRATEGY_ENV = 'LFS_LAZY_MERGE_STRATEGY';

export interface MergeDriverRequest {
  base: string;
  ours: string;
  theirs: string;
  // The path being merged (git's %P), relative to the repository root.
  path: string;
  strategy: MergeStrategy;
}

export interface MergeDriverOutcome {
  // 0 merged; 1 conflict (ours kept), as git expects of a merge driver.
  code: number;
  // One line for the user, when there is something to say.
  message?: string;
  result?: MergeResult;
  reportPath?: string;
}

export function parseStrategy(value: string, where: string): MergeStrategy {
  const lower = value.trim().toLowerCase();
  const found = MERGE_STRATEGIES.find((s) => s === lower);
  if (!found) throw new LfsLazyError(`${where}: expected one of ${MERGE_STRATEGIES.join(', ')}, got "${value}"`);
  return found;
}

// --strategy, else LFS_LAZY_MERGE_STRATEGY, else git config lfs-lazy.mergestrategy, else conflict.
export function chooseStrategy(option: string | undefined, env: NodeJS.ProcessEnv, config: Array<[string, string]>): MergeStrategy {
  if (option !== undefined) return parseStrategy(option, '--strategy');
  const fromEnv = env[STRATEGY_ENV];
  if (fromEnv) return parseStrategy(fromEnv, STRATEGY_ENV);
  const fromConfig = config.findLast(([key]) => key === STRATEGY_CONFIG_KEY)?.[1];
  if (fromConfig !== undefined) return parseStrategy(fromConfig, `git config ${STRATEGY_CONFIG_KEY}`);
  return 'conflict';
}

// .git/lfs-lazy/conflicts/<path>.json; a path that would leave that directory is flattened.
export function conflictReportPath(gitDir: string, path: string): string {
  const dir = join(gitDir, 'lfs-lazy', 'conflicts');
  const normal = normalize(path);
  const safe = !isAbsolute(normal) && !normal.split(/[\\/]/).includes('..') ? normal : encodeURIComponent(path);
  return join(dir, `${safe}.json`);
}

const sameObject = (a: Pointer | undefined, b: Pointer | undefined): boolean => a !== undefined && b !== undefined && a.oid === b.oid && a.size === b.size;

export async function runMergeDriver(ctx: RepositoryContext, request: MergeDriverRequest): Promise<MergeDriverOutcome> {
  const { path } = request;
  const reportPath = conflictReportPath(ctx.paths.gitDir, path);
  const relativeReport = relative(ctx.paths.worktree ?? ctx.paths.gitDir, reportPath);

  // Trivial merges need no content (git settles most of these before calling a driver).
  const [base, ours, theirs] = await Promise.all([filePointer(request.base), filePointer(request.ours), filePointer(request.theirs)]);
  if (sameObject(ours.pointer, theirs.pointer) || sameObject(base.pointer, theirs.pointer)) {
    await rm(reportPath, { force: true });
    return { code: 0 };
  }
  if (sameObject(base.pointer, ours.pointer) && theirs.bytes) {
    await writeFile(request.ours, theirs.bytes);
    await rm(reportPath, { force: true });
    return { code: 0 };
  }

  let contents: [LabelMapContent, LabelMapContent, LabelMapContent];
  try {
    contents = await Promise.all([fileContent(ctx, request.base), fileContent(ctx, request.ours), fileContent(ctx, request.theirs)]);
  } catch (err) {
    throw new LfsLazyError(`${path}: cannot read the versions to merge: ${(err as Error).message}`, { cause: err });
  }
  const [baseContent, oursContent, theirsContent] = contents;

  // The store's temporary directory also takes the sort runs of an input out of key order: on the
  // repository's filesystem, not in a /tmp that may be small.
  const tempDir = await ctx.local.tempDir();
  const temp = join(tempDir, `merge-${process.pid}-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  const hasher = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  const written = pipeline(hasher, createWriteStream(temp, { flags: 'wx', mode: 0o600 }));
  let result: MergeResult;
  try {
    try {
      result = await mergeLabelMaps(
        {
          // No common ancestor (both sides added the file): git passes an empty base.
          base: baseContent.empty ? undefined : baseContent.input,
          ours: oursContent.input,
          theirs: theirsContent.input,
        },
        hasher,
        { strategy: request.strategy, tempDir },
      );
    } finally {
      hasher.end();
      await written;
    }
  } catch (err) {
    await rm(temp, { force: true });
    if (err instanceof LabelMapFormatError) {
      return {
        code: 1,
        message:
          `${path}: not merged key by key — ${err.message}; kept ours, as git does for a binary conflict: ` +
          `resolve it by hand (git checkout --ours or --theirs -- ${path}, or edit the file), then git add it`,
      };
    }
    throw err;
  }

  if (result.conflicts.length > 0 && !result.resolved) {
    await rm(temp, { force: true });
    await writeReport(reportPath, request, [baseContent, oursContent, theirsContent], result);
    return { code: 1, result, reportPath, message: `${path}: ${describeConflicts(result.conflicts)}; kept ours; report: ${relativeReport}` };
  }

  const oid = hash.digest('hex');
  if (oursContent.pointer || !oursContent.small) {
    // LFS (or too big to be anything else): the object into the store, its pointer into %A.
    await ctx.local.adopt(temp, oid);
    if (oursContent.pointer) {
      await writeFile(request.ours, encodePointer({ oid, size, extensions: [] }));
    } else {
      await copyFile(ctx.local.pathFor(oid), request.ours);
    }
  } else {
    // Ours was a small plain file (not stored in LFS): the result stays plain too.
    await copyFile(temp, request.ours);
    await rm(temp, { force: true });
  }
  await rm(reportPath, { force: true });
  const message = result.resolved
    ? `${path}: ${describeConflicts(result.conflicts)}; resolved with --strategy ${request.strategy}`
    : undefined;
  return { code: 0, result, ...(message !== undefined && { message }) };
}

function describeConflicts(conflicts: MergeConflict[]): string {
  const shown = conflicts.slice(0, 3).map((c) => `${JSON.stringify(c.key)} (${c.kind})`);
  const more = conflicts.length > shown.length ? `, … ${conflicts.length - shown.length} more` : '';
  return `${conflicts.length} conflicting key${conflicts.length === 1 ? '' : 's'}: ${shown.join(', ')}${more}`;
}

const side = (content: LabelMapContent): string =>
  content.pointer ? JSON.stringify({ oid: content.pointer.oid, size: content.pointer.size }) : content.empty ? 'null' : '{"lfs":false}';

// The machine-readable report: written by hand so that each value appears exactly as it was in
// its version (already valid JSON), without parsing any of them.
async function writeReport(
  reportPath: string,
  request: MergeDriverRequest,
  [base, ours, theirs]: [LabelMapContent, LabelMapContent, LabelMapContent],
  result: MergeResult,
): Promise<void> {
  await mkdir(dirname(reportPath), { recursive: true });
  const out = createWriteStream(reportPath);
  const write = (text: string): Promise<void> | void => {
    if (!out.write(text)) return new Promise((resolve) => out.once('drain', resolve));
  };
  await write(
    `{\n  "version": 1,\n  "path": ${JSON.stringify(request.path)},\n  "strategy": ${JSON.stringify(request.strategy)},\n` +
      `  "base": ${side(base)},\n  "ours": ${side(ours)},\n  "theirs": ${side(theirs)},\n` +
      `  "stats": ${JSON.stringify(result.stats)},\n  "conflictCount": ${result.conflicts.length},\n  "conflicts": [`,
  );
  for (const [i, c] of result.conflicts.entries()) {
    let entry = `${i === 0 ? '' : ','}\n    {"key": ${JSON.stringify(c.key)}, "kind": ${JSON.stringify(c.kind)}`;
    if (c.base !== undefined) entry += `, "base": ${c.base}`;
    if (c.ours !== undefined) entry += `, "ours": ${c.ours}`;
    if (c.theirs !== undefined) entry += `, "theirs": ${c.theirs}`;
    await write(entry + '}');
  }
  out.end(result.conflicts.length > 0 ? '\n  ]\n}\n' : ']\n}\n');
  await finished(out);
}
