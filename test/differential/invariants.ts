// The checks after every step. The oracle (plain git-lfs) says what the files must hold; the
// subject (lfs-lazy) must agree, except that an LFS file may be its exact pointer where the lazy
// policy allows one: never where the content would exist only in the local store with nothing
// keeping it there (an uncommitted edit: no local branch names it), never where the user hydrated the path, never where
// the object is in the local store (unless the user dehydrated the path, or the step left an
// earlier pointer untouched).
import { lazyCommandOf, type CommandOutcome, type Op } from './operations.js';
import { pathspecMatches, type SubjectModel } from './model.js';
import { localObjectExists, remoteObjectExists, type Snapshot } from './snapshot.js';
import { pointerOf, sha256 } from './universe.js';
import type { Side, World } from './world.js';

export interface Failure {
  what: string;
  path?: string;
  detail: string;
}

export function checkOutcomes(oracle: CommandOutcome[], subject: CommandOutcome[]): Failure[] {
  const failures: Failure[] = [];
  for (const [side, outcomes] of [['oracle', oracle], ['subject', subject]] as const) {
    for (const o of outcomes.filter((x) => x.timedOut)) failures.push({ what: `${side}: a command hung and was killed`, detail: `${o.command}\n${o.stderr}` });
  }
  // lfs-lazy's own commands run in the subject alone: each must succeed; the rest must end alike.
  const ownCommand = (o: CommandOutcome): boolean => o.command.startsWith('lfs-lazy ');
  for (const o of subject.filter((x) => ownCommand(x) && x.code !== 0)) failures.push({ what: `subject: ${o.command} exited ${o.code}`, detail: o.stderr });
  const codes = (outcomes: CommandOutcome[]) => outcomes.filter((o) => !ownCommand(o)).map((o) => `${o.command} → ${o.code}`).join('\n');
  if (codes(oracle) !== codes(subject)) {
    failures.push({
      what: 'the commands ended differently',
      detail: `oracle:\n${indent(codes(oracle))}\n${indent(stderrOf(oracle))}\nsubject:\n${indent(codes(subject))}\n${indent(stderrOf(subject))}`,
    });
  }
  return failures;
}

export function compareSnapshots(world: World, op: Op | null, model: SubjectModel, oracle: Snapshot, subject: Snapshot): Failure[] {
  const failures: Failure[] = [];
  const same = (what: string, a: string, b: string) => {
    if (a !== b) failures.push({ what: `${what} differs`, detail: `oracle:\n${indent(a || '(empty)')}\nsubject:\n${indent(b || '(empty)')}` });
  };
  same('HEAD', `${oracle.branch} ${oracle.head}`, `${subject.branch} ${subject.head}`);
  same('branches and stash (for-each-ref)', oracle.refs, subject.refs);
  same('stash list', oracle.stashes.join('\n'), subject.stashes.join('\n'));
  same('the index (git ls-files -s)', oracle.index, subject.index);
  const unsettled = new Set([...oracle.unsettled, ...subject.unsettled]);
  same('git status --porcelain', settledStatus(oracle.status, unsettled), settledStatus(subject.status, unsettled));
  same('sparse-checkout', String(oracle.sparse), String(subject.sparse));
  const paths = [...new Set([...oracle.files.keys(), ...subject.files.keys()])].sort();
  for (const path of paths) {
    const [want, got] = [oracle.files.get(path), subject.files.get(path)];
    if (!want || !got) {
      failures.push({ what: `${path} exists only in the ${want ? 'oracle' : 'subject'}`, path, detail: `${want ? 'oracle' : 'subject'}: ${bytesSummary((want ?? got)!)}` });
      continue;
    }
    // Any path may be an LFS file (`track` sends text files through LFS): a file that differs is
    // judged as a pointer in place of its content, which is all lfs-lazy may write instead.
    const problem = got.equals(want) ? null : lfsFileProblem(world, op, model, subject, path, want, got);
    if (problem) failures.push({ what: `${path}: ${problem}`, path, detail: `oracle:  ${bytesSummary(want)}\nsubject: ${bytesSummary(got)}` });
  }
  return failures;
}

function lfsFileProblem(world: World, op: Op | null, model: SubjectModel, subject: Snapshot, path: string, want: Buffer, got: Buffer): string | null {
  if (got.equals(want)) return null;
  if (!got.equals(pointerOf(want))) return 'the subject holds neither the content nor its pointer';
  const oid = sha256(want);
  const local = localObjectExists(world, 'subject', oid);
  const shared = remoteObjectExists(world, 'subject', oid);
  if (!local && !shared) return 'the subject holds a pointer to content that is nowhere else (neither in .git/lfs/objects nor in its store): the content is lost';
  if (!shared && !subject.lfs.onBranches.has(oid)) {
    // Not pushed, and no commit of a local branch names it (an uncommitted edit, a staged file):
    // nothing keeps the object — `git lfs prune`, which ignores the index, deletes it. Its content
    // must stay in the working tree, dehydrated or not. (An object a branch names is kept; a
    // pointer to it elsewhere is then judged by the policy below, as any other.)
    return 'the subject holds a pointer to content that exists only in its local store, where nothing keeps it (not pushed, no local branch names it): git lfs prune would delete it';
  }
  // An untracked file (a lazy pointer moved by `git mv`, then unstaged by `git reset`) is no LFS
  // file of the repository any more: neither hydrate nor a checkout writes it, and `git add`
  // stages the same blob as the content would. Its content is safe (checked above).
  if (!tracked(subject.index, path)) return null;
  if (model.dehydrated(path)) return null;
  const lazy = op ? lazyCommandOf(op) : undefined;
  const justHydrated = lazy?.command === 'hydrate' && pathspecMatches(lazy.pathspec, path);
  if (!justHydrated && model.previousFiles.get(path)?.equals(got)) return null;
  if (model.selected(path)) return `the subject holds a pointer for a path the user hydrated (policy: ${model.policySummary()})`;
  if (local) return `the subject holds a pointer, but the object is in its local store (.git/lfs/objects${shared ? '' : ', and nowhere else'}) and the path was not dehydrated: content was replaced by a pointer`;
  return null;
}

// Whether `git ls-files -s` output names `path` (at any stage).
const tracked = (index: string, path: string): boolean => index.split('\n').some((line) => line.slice(line.indexOf('\t') + 1) === path);

// No edit may be lost: every LFS object something in the repository still names (a commit of any
// ref or stash, the index) stays in the local store or the side's own store. Measured against the
// oracle: the subject must lose nothing the oracle kept. (What the oracle loses — `git lfs prune`
// deletes the object of a staged, uncommitted file — ends the comparison: see the runner.)
export function checkReachableObjects(world: World, oracle: Snapshot, subject: Snapshot): { failures: Failure[]; lostByOracle: Map<string, string> } {
  const [lostByOracle, lostBySubject] = [lostObjects(world, 'oracle', oracle), lostObjects(world, 'subject', subject)];
  const failures = [...lostBySubject]
    .filter(([oid]) => !lostByOracle.has(oid))
    .map(([oid, where]) => ({ what: `subject: the object of ${where} is gone`, detail: `${oid} is neither in .git/lfs/objects nor in its store (the oracle still has it)` }));
  return { failures, lostByOracle };
}

function lostObjects(world: World, side: Side, snap: Snapshot): Map<string, string> {
  return new Map([...snap.lfs.named].filter(([oid]) => !localObjectExists(world, side, oid) && !remoteObjectExists(world, side, oid)));
}

export function bytesSummary(data: Buffer): string {
  const text = data.toString('latin1');
  if (/^version https:\/\/git-lfs/.test(text)) return `pointer ${JSON.stringify(text)}`;
  const printable = data.subarray(0, 60).every((b) => b === 10 || (b >= 32 && b < 127));
  return `${data.length} bytes, sha256 ${sha256(data).slice(0, 16)}…${printable ? ` ${JSON.stringify(data.subarray(0, 60).toString())}` : ''}`;
}

const indent = (text: string) => text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
const stderrOf = (outcomes: CommandOutcome[]) => outcomes.map((o) => o.stderr.trim()).filter(Boolean).join('\n');

// `git status --porcelain` with the work-tree column of the unsettled paths (Snapshot.unsettled)
// left out: git compares such a file's content only when its timestamps are racy.
function settledStatus(status: string, unsettled: ReadonlySet<string>): string {
  return status
    .split('\n')
    .flatMap((line) => {
      if (!unsettled.has(line.slice(3))) return [line];
      const settled = `${line[0]}.${line.slice(2)}`;
      return settled.startsWith(' .') ? [] : [settled];
    })
    .join('\n');
}
