// `npm run fuzz`: many sequences of the differential test, by count or for a time.
//   npm run fuzz -- --sequences 500 --steps 40 --seed 1 [--jobs 2] [--minutes M] [--keep] [--track] [--worktree]
// Sequence i uses seed (seed + i). LFS_LAZY_DIFF_SKIP=stash-pop,switch (or --skip) leaves those
// operations out, to look past a known failure. Prints each failure in full and a summary line.
import { parseArgs } from 'node:util';
import { OP_KINDS, type OpKind } from './operations.js';
import { runSequence, type SequenceResult } from './runner.js';
import { disposeAll, type SubjectKind } from './world.js';

const { values } = parseArgs({
  options: {
    sequences: { type: 'string' },
    steps: { type: 'string', default: '40' },
    seed: { type: 'string' },
    minutes: { type: 'string' },
    jobs: { type: 'string', default: '1' },
    skip: { type: 'string', default: process.env['LFS_LAZY_DIFF_SKIP'] ?? '' },
    keep: { type: 'boolean', default: false },
    // Also `git lfs track` text files half-way (off by default: the fixed seeds keep their steps).
    track: { type: 'boolean', default: false },
    // Also commits made in a linked worktree (off by default, for the same reason).
    worktree: { type: 'boolean', default: false },
    // git-lfs: SUBJECT runs plain git-lfs too, which checks the harness (everything must pass).
    subject: { type: 'string', default: 'lfs-lazy' },
  },
});

if (values.subject !== 'lfs-lazy' && values.subject !== 'git-lfs') throw new Error('--subject: lfs-lazy or git-lfs');
const skip = new Set(values.skip.split(',').map((s) => s.trim()).filter(Boolean) as OpKind[]);
for (const kind of skip) if (!OP_KINDS.includes(kind)) throw new Error(`--skip: unknown operation "${kind}" (one of ${OP_KINDS.join(', ')})`);
const steps = Number(values.steps);
const firstSeed = values.seed !== undefined ? Number(values.seed) : Date.now() % 1_000_000;
const deadline = values.minutes !== undefined ? Date.now() + Number(values.minutes) * 60_000 : Infinity;
const sequences = values.sequences !== undefined ? Number(values.sequences) : values.minutes !== undefined ? Infinity : 100;

const coverage = new Map<OpKind, number>(OP_KINDS.map((k) => [k, 0]));
const failed: SequenceResult[] = [];
const stopped: SequenceResult[] = [];
let started = 0;
let done = 0;
let stepsRun = 0;
const start = Date.now();

async function worker(): Promise<void> {
  while (started < sequences && Date.now() < deadline) {
    const seed = firstSeed + started++;
    const result = await runSequence(seed, { steps, skip, keep: values.keep, subject: values.subject as SubjectKind, optIn: new Set([...(values.track ? ['track' as const] : []), ...(values.worktree ? ['worktree' as const] : [])]) });
    done++;
    stepsRun += result.steps.length;
    for (const op of result.steps) coverage.set(op.kind, (coverage.get(op.kind) ?? 0) + 1);
    if (result.failure) {
      failed.push(result);
      process.stdout.write(`${result.failure.report}\n\n`);
    }
    if (result.stopped) {
      stopped.push(result);
      process.stdout.write(`seed ${result.seed} stopped early, not a failure: ${result.stopped}\n\n`);
    }
    if (done % 10 === 0) process.stderr.write(`… ${done} sequences, ${failed.length} failed, ${((Date.now() - start) / 1000).toFixed(0)} s\n`);
  }
}

// Ctrl-C or kill: the starting points and the repositories in use are removed, not left in the
// temp dir.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void disposeAll().finally(() => process.exit(130)));
await Promise.all(Array.from({ length: Number(values.jobs) }, worker));
await disposeAll();
const covered = [...coverage].map(([k, n]) => `${k} ${n}`).join(', ');
const failures = failed.length === 0 ? 'no failures' : `${failed.length} failed (seed@step: ${failed.map((r) => `${r.seed}@${r.failure!.step}`).join(' ')})`;
const early = stopped.length === 0 ? '' : `; ${stopped.length} stopped early where git-lfs itself lost content (seeds ${stopped.map((r) => r.seed).join(' ')})`;
process.stdout.write(
  `differential fuzz: ${done} sequence${done === 1 ? '' : 's'} from seed ${firstSeed}, ${stepsRun} steps (up to ${steps} each), ${((Date.now() - start) / 1000).toFixed(0)} s; ${failures}${early}` +
    `${skip.size ? `; skipped operations: ${[...skip].join(',')}` : ''}\noperations covered: ${covered}\n`,
);
process.exit(failed.length > 0 ? 1 : 0);
