// One sequence: set up the two repositories, then step by step choose an operation, carry it out
// in both (at the same time: they share nothing but the store, which steps only read), and check
// the invariants. Stops at the first failing step and returns a report naming the seed, the
// numbered steps and what differed.
import { Generator, type OptInKind } from './generator.js';
import { checkOutcomes, checkReachableObjects, compareSnapshots, type Failure } from './invariants.js';
import { SubjectModel } from './model.js';
import { apply, describe, type Op, type OpKind } from './operations.js';
import { Prng } from './prng.js';
import { snapshot, type Snapshot } from './snapshot.js';
import { keepWorld, makeWorld, MODES, type Mode, type Side, type SubjectKind, type World } from './world.js';

export interface SequenceOptions {
  steps: number;
  // Operations the generator must not choose (to look past a known bug while working on one).
  skip?: ReadonlySet<OpKind>;
  // Keep the repositories of a failed sequence for inspection.
  keep?: boolean;
  subject?: SubjectKind;
  // Steps left out unless asked for: `track` (text files sent through LFS half-way), `worktree`
  // (a commit made in a linked worktree).
  optIn?: ReadonlySet<OptInKind>;
}

export interface SequenceResult {
  seed: number;
  mode: Mode;
  steps: Op[];
  // The commands each step ran in the oracle, with their exit codes (for the report).
  commands: string[];
  failure: { step: number; failures: Failure[]; report: string } | null;
  // Why the sequence ended before its last step without failing: git-lfs itself lost content,
  // after which it is no oracle.
  stopped: string | null;
}

export async function runSequence(seed: number, options: SequenceOptions): Promise<SequenceResult> {
  const prng = new Prng(seed);
  // The starting points take turns, so that any ten consecutive seeds cover each of them.
  const mode: Mode = MODES[seed % MODES.length]!;
  // A repository never pushed has no remote to push to.
  const skip = mode === 'author-unpublished' ? new Set<OpKind>([...(options.skip ?? []), 'push', 'upstream', 'pull']) : options.skip;
  const generator = new Generator(prng, seed, skip, options.optIn);
  const model = new SubjectModel();
  const world = await makeWorld(mode, options.subject);
  const steps: Op[] = [];
  const commands: string[] = [];
  let failure: SequenceResult['failure'] = null;
  let stopped: string | null = null;
  try {
    let [oracle, subject] = await Promise.all([snapshot(world, 'oracle'), snapshot(world, 'subject')]);
    let { failures } = checkStep(world, null, model, oracle, subject);
    if (failures.length > 0) failure = { step: 0, failures, report: '' };
    for (let step = 1; !failure && !stopped && step <= options.steps; step++) {
      model.previousFiles = subject.files;
      const op = generator.next(step, oracle);
      steps.push(op);
      const outcomes = await Promise.all([apply(world, 'oracle', op), apply(world, 'subject', op)]);
      commands.push(outcomes[0].map((o) => `${o.command} → ${o.code}`).join('; '));
      failures = checkOutcomes(...outcomes);
      model.beforeChecks(op, outcomes[1].every((o) => o.code === 0));
      [oracle, subject] = await Promise.all([snapshot(world, 'oracle'), snapshot(world, 'subject')]);
      if (oracle.unsettled.size > 0 || subject.unsettled.size > 0) {
        // Files `track` sent through LFS that are still plain blobs in the index: whether git
        // re-reads them (a `git add -A`, a status) depends on its racy-timestamp check, so the two
        // repositories would part by timing alone. Both re-add them, as git-lfs's docs say to.
        await Promise.all([settle(world, 'oracle', oracle), settle(world, 'subject', subject)]);
        [oracle, subject] = await Promise.all([snapshot(world, 'oracle'), snapshot(world, 'subject')]);
      }
      const checked = checkStep(world, op, model, oracle, subject);
      if (checked.lostByOracle.size > 0) {
        // git-lfs lost an object: what follows (a checkout it fails, a stash it cannot apply) is no
        // reference any more. Only what the subject lost beyond it still counts.
        stopped = `at step ${step} (${describe(op)}), git-lfs lost the object of ${[...checked.lostByOracle.values()].join(', ')}`;
        failures = checked.lostBySubjectAlone;
      } else failures.push(...checked.failures);
      if (failures.length > 0) failure = { step, failures, report: '' };
    }
  } catch (err) {
    // A query that hung or broke: still a report with the seed and the steps so far.
    failure = { step: steps.length, failures: [{ what: `the test stopped: ${(err as Error).message.split('\n')[0]}`, detail: (err as Error).stack ?? String(err) }], report: '' };
  } finally {
    if (failure && options.keep) {
      keepWorld(world.root);
      failure.failures.push({ what: 'repositories kept for inspection', detail: world.root });
    }
    else await world.cleanup();
  }
  const result: SequenceResult = { seed, mode, steps, commands, failure, stopped };
  if (failure) failure.report = formatReport(result, options.steps, options.optIn);
  return result;
}

async function settle(world: World, side: Side, snap: Snapshot): Promise<void> {
  const paths = [...snap.unsettled].filter((path) => snap.files.has(path));
  if (paths.length > 0) await world.git(side, ['add', '--renormalize', '--', ...paths]);
}

function checkStep(world: World, op: Op | null, model: SubjectModel, oracle: Snapshot, subject: Snapshot) {
  const reachable = checkReachableObjects(world, oracle, subject);
  return {
    failures: [...compareSnapshots(world, op, model, oracle, subject), ...reachable.failures],
    lostBySubjectAlone: reachable.failures,
    lostByOracle: reachable.lostByOracle,
  };
}

export function formatReport(result: SequenceResult, stepsAsked: number, optIn: ReadonlySet<OptInKind> = new Set()): string {
  const { failure } = result;
  if (!failure) return `seed ${result.seed} (${result.mode}): ${result.steps.length} steps passed`;
  const where = failure.step === 0 ? 'right after set-up' : `at step ${failure.step} (${describe(result.steps[failure.step - 1]!)})`;
  const lines = [`differential test failed: seed ${result.seed}, mode ${result.mode}, ${where}`];
  for (const f of failure.failures) lines.push(`  ✗ ${f.what}`, ...f.detail.trimEnd().split('\n').map((l) => `      ${l}`));
  lines.push('  steps (and what the oracle ran, with exit codes):');
  result.steps.forEach((op, i) => {
    lines.push(`    ${String(i + 1).padStart(3)}. ${describe(op)}${i + 1 === failure.step ? '   ← fails here' : ''}`);
    if (result.commands[i]) lines.push(`         [${result.commands[i]}]`);
  });
  // The opt-in steps change what a seed plays: the replay asks for the same ones.
  lines.push(`  replay: npm run fuzz -- --seed ${result.seed} --sequences 1 --steps ${stepsAsked}${[...optIn].map((kind) => ` --${kind}`).join('')}`);
  return lines.join('\n');
}
