import { existsSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { Command } from '../command.js';
import { parseOptions, stringOption } from '../parse-options.js';
import { openRepositoryContext, type RepositoryContext } from '../../repository/context.js';
import { blobContent, fileContent, type LabelMapContent } from '../../labelmap/content.js';
import { DEFAULT_CHANGE_LIMIT, DEFAULT_LABEL_FIELD, diffLabelMaps, type LabelMapDiff } from '../../labelmap/diff.js';
import { LabelMapFormatError } from '../../labelmap/tokenizer.js';
import { ErrorCode, LfsLazyError } from '../../errors/index.js';
import { git } from '../../git/git.js';

const usage = [
  'usage: lfs-lazy diff [--json] [--limit N] [--field NAME] [--cached] [REV1 [REV2]] [--] <path>',
  '',
  'Key-level summary of how a JSON label map changed: added / removed / changed / unchanged keys,',
  'the label distribution before and after, and the first N changes. Like git diff:',
  '  no REV        the index → the working tree (with --cached: HEAD → the index)',
  '  REV           REV → the working tree (with --cached: REV → the index)',
  '  REV1 REV2     REV1 → REV2 (also REV1..REV2)',
  'LFS objects are read from the local store or fetched; pointers in the working tree are followed.',
  `  --limit N     how many changes to list (default ${DEFAULT_CHANGE_LIMIT})`,
  `  --field NAME  the member of an object value that holds its label (default "${DEFAULT_LABEL_FIELD}")`,
  '  --json        the summary as one JSON object on stdout',
  'See docs/label-maps.md.',
].join('\n');

// `lfs-lazy diff HEAD~1 HEAD` (the path forgotten): the last word names a commit and no file, so
// it is not taken for a path that exists nowhere.
async function refuseRevisionAsPath(top: string, cwd: string, word: string, words: string[]): Promise<void> {
  if (existsSync(resolve(cwd, word))) return;
  const commit = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${word}^{commit}`], { cwd: top, okCodes: [1, 128] });
  if (commit.code !== 0) return;
  throw new LfsLazyError(`${JSON.stringify(word)} is a revision, not a file: name the label map after --, e.g. lfs-lazy diff ${words.join(' ')} -- labels.json`, {
    code: ErrorCode.BadRequest,
  });
}

interface Side {
  name: string;
  content: LabelMapContent | undefined;
}

export const command: Command = {
  summary: 'key-level diff of a JSON label map between revisions',
  usage,
  async run(args, io) {
    const dash = args.indexOf('--');
    const { values, positionals } = parseOptions(
      dash < 0 ? args : args.slice(0, dash),
      { json: { type: 'boolean' }, limit: { type: 'string' }, field: { type: 'string' }, cached: { type: 'boolean' } },
      usage,
    );
    let revs = positionals;
    let paths = dash < 0 ? [] : args.slice(dash + 1);
    if (dash < 0) {
      paths = revs.slice(-1);
      revs = revs.slice(0, -1);
    }
    if (paths.length !== 1) throw new LfsLazyError(`expected exactly one path\n${usage}`);
    const range = revs.length === 1 && !revs[0]!.includes('...') ? revs[0]!.indexOf('..') : -1;
    if (range >= 0) revs = [revs[0]!.slice(0, range) || 'HEAD', revs[0]!.slice(range + 2) || 'HEAD'];
    if (revs.length > 2) throw new LfsLazyError(`at most two revisions\n${usage}`);
    const limitText = stringOption(values, 'limit');
    const limit = limitText === undefined ? DEFAULT_CHANGE_LIMIT : Number(limitText);
    if (!Number.isSafeInteger(limit) || limit < 0) throw new LfsLazyError(`--limit: expected a whole number, got "${limitText}"`);
    const field = stringOption(values, 'field') ?? DEFAULT_LABEL_FIELD;

    const ctx = await openRepositoryContext(io.cwd, { env: io.env, log: { name: 'lfs-lazy diff' } });
    try {
      const root = ctx.paths.worktree;
      const top = root ?? ctx.paths.gitDir;
      if (dash < 0) await refuseRevisionAsPath(top, io.cwd, paths[0]!, [...revs, paths[0]!]);
      const path = repoPath(top, io.cwd, paths[0]!);
      const cached = values.cached === true;
      const [rev1, rev2] = revs;
      if (root === undefined && revs.length < 2) throw new LfsLazyError('a bare repository has no working tree or index: give two revisions');
      const before = rev1 !== undefined ? await revSide(ctx, top, rev1, path) : cached ? await revSide(ctx, top, 'HEAD', path) : await indexSide(ctx, top, path);
      const after =
        rev2 !== undefined ? await revSide(ctx, top, rev2, path) : cached ? await indexSide(ctx, top, path) : await worktreeSide(ctx, root!, path);
      if (!before.content && !after.content) throw new LfsLazyError(`${path} exists in neither ${before.name} nor ${after.name}`);
      let diff: LabelMapDiff;
      try {
        // Sort runs of a side out of key order go next to the LFS store, not into a small /tmp.
        diff = await diffLabelMaps(before.content?.input, after.content?.input, { limit, labelField: field, tempDir: await ctx.local.tempDir() });
      } catch (err) {
        if (err instanceof LabelMapFormatError) throw new LfsLazyError(`${path} is not a JSON object label map: ${err.message}`);
        throw err;
      }
      io.stdout.write(values.json ? formatJson(path, before, after, diff) : formatText(path, before, after, diff));
      return 0;
    } finally {
      ctx.close();
    }
  },
};

// A path as the user gave it (relative to the current directory) → relative to the repository root.
function repoPath(top: string, cwd: string, path: string): string {
  const rel = relative(top, resolve(cwd, path));
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new LfsLazyError(`${path} is outside the repository`);
  return rel.split(sep).join('/');
}

async function revSide(ctx: RepositoryContext, top: string, rev: string, path: string): Promise<Side> {
  return { name: rev, content: await blobContent(ctx, top, `${rev}:${path}`) };
}

async function indexSide(ctx: RepositoryContext, top: string, path: string): Promise<Side> {
  return { name: 'index', content: await blobContent(ctx, top, `:${path}`) };
}

async function worktreeSide(ctx: RepositoryContext, root: string, path: string): Promise<Side> {
  const absolute = resolve(root, path);
  return { name: 'working tree', content: existsSync(absolute) ? await fileContent(ctx, absolute) : undefined };
}

function sideJson(side: Side): Record<string, unknown> {
  const c = side.content;
  return {
    source: side.name,
    exists: c !== undefined,
    ...(c?.pointer && { oid: c.pointer.oid, size: c.pointer.size }),
  };
}

// The summary as one JSON object. The values of the changes are printed as they are written in the
// file (valid JSON: the diff checked them), not parsed and re-serialised: JSON.stringify recurses,
// and a value nested 100 000 levels deep would overflow the stack.
function formatJson(path: string, before: Side, after: Side, diff: LabelMapDiff): string {
  const head = JSON.stringify(
    {
      path,
      before: sideJson(before),
      after: sideJson(after),
      keys: { before: diff.keysBefore, after: diff.keysAfter },
      added: diff.added,
      removed: diff.removed,
      changed: diff.changed,
      unchanged: diff.unchanged,
      labels: { field: diff.labelField, counts: diff.labels },
    },
    null,
    2,
  );
  const changes = diff.changes.map(
    (c) =>
      `    {"key": ${JSON.stringify(c.key)}, "change": ${JSON.stringify(c.change)}` +
      (c.before !== undefined ? `, "before": ${c.before}` : '') +
      (c.after !== undefined ? `, "after": ${c.after}` : '') +
      '}',
  );
  const list = changes.length === 0 ? '[]' : `[\n${changes.join(',\n')}\n  ]`;
  // head ends with "\n}": the two last members go before that brace.
  return `${head.slice(0, -2)},\n  "changes": ${list},\n  "truncated": ${diff.truncated}\n}\n`;
}

const n = (x: number): string => x.toLocaleString('en-US');
const signed = (x: number): string => (x > 0 ? `+${n(x)}` : x < 0 ? `-${n(-x)}` : '0');

function short(raw: string | undefined): string {
  if (raw === undefined) return '';
  const one = raw.replace(/\s*\n\s*/g, ' ');
  return one.length > 60 ? `${one.slice(0, 59)}…` : one;
}

function formatText(path: string, before: Side, after: Side, diff: LabelMapDiff): string {
  const lines: string[] = [];
  const where = (s: Side): string => (s.content ? s.name : `${s.name} (absent)`);
  lines.push(`${path}: ${where(before)} → ${where(after)}`);
  lines.push(
    `keys: ${n(diff.keysBefore)} → ${n(diff.keysAfter)}: ${n(diff.added)} added, ${n(diff.removed)} removed, ` +
      `${n(diff.changed)} changed, ${n(diff.unchanged)} unchanged`,
  );
  if (diff.labels.length > 0) {
    const names = diff.labels.map((l) => (l.label === null ? '(no label)' : l.label));
    const title = diff.labelField === DEFAULT_LABEL_FIELD ? 'label' : `label (${diff.labelField})`;
    const width = Math.max(title.length, ...names.map((s) => s.length));
    lines.push('', `${title.padEnd(width)}  ${'before'.padStart(10)}  ${'after'.padStart(10)}  ${'change'.padStart(10)}`);
    diff.labels.forEach((l, i) => {
      lines.push(`${names[i]!.padEnd(width)}  ${n(l.before).padStart(10)}  ${n(l.after).padStart(10)}  ${signed(l.after - l.before).padStart(10)}`);
    });
  }
  const total = diff.added + diff.removed + diff.changed;
  if (total > 0) {
    lines.push('', diff.truncated ? `first ${diff.changes.length} of ${n(total)} changes:` : `${n(total)} change${total === 1 ? '' : 's'}:`);
    for (const c of diff.changes) {
      const key = JSON.stringify(c.key);
      if (c.change === 'added') lines.push(`  + ${key}: ${short(c.after)}`);
      else if (c.change === 'removed') lines.push(`  - ${key}: ${short(c.before)}`);
      else lines.push(`  ~ ${key}: ${short(c.before)} → ${short(c.after)}`);
    }
  }
  return lines.join('\n') + '\n';
}
