// Three-way, key-level merge of JSON label maps, streaming, in memory that grows with the changes,
// not with the maps.
//
// 1. base and theirs are walked side by side in key order (sorted-inputs.ts): the keys theirs
//    added, changed or deleted are kept, with their values — nothing else is.
// 2. ours is streamed in its own order, any order, and the result written as it is read: a key
//    theirs did not touch is ours' as it stands; the others are looked up among theirs' changes
//    (by a pointer that moves forward while ours is sorted, by binary search if it is not).
// Values are compared by their bytes, and by canonical form (canonical-digest.ts) only when the
// bytes differ, so reformatting is not a change and the usual unchanged value costs one memcmp.
//
// Rules, per key: unchanged on both sides, or changed on one side only (added, removed, modified)
// → that side's; the same change on both sides → taken once (ours' text); different changes → a
// conflict: modified/modified, added/added with different values, modified/deleted,
// deleted/modified. The strategy decides: `conflict` (report, keep ours), `ours`, `theirs`.
//
// Output (deterministic): keys in ours' order, then keys only theirs has (its additions, and keys
// ours deleted but a `theirs` resolution keeps) in theirs' order. Layout: map-writer.ts. Values keep
// the exact text of the side they are taken from; keys are written as ours spells them
// (`"caf\u00e9"` stays escaped) unless only theirs has the key.
import type { Writable } from 'node:stream';
import { MapWriter } from './map-writer.js';
import { duplicateKey, sideError, type MemberCursor } from './member-cursor.js';
import { ChangeFinder, theirsChanges, type TheirsChange } from './theirs-changes.js';
import { checkUniqueKeys, DEFAULT_MEMORY_BUDGET, streamCursor, withSortedCursors, type LabelMapInput, type SortBudget } from './sorted-inputs.js';
import { LabelMapFormatError } from './tokenizer.js';
import { ValueEquality, type ValueDigest } from './value-equality.js';

export type MergeStrategy = 'conflict' | 'ours' | 'theirs';
export const MERGE_STRATEGIES: readonly MergeStrategy[] = ['conflict', 'ours', 'theirs'];

export type ConflictKind = 'modified-both' | 'added-both' | 'modified-ours-deleted-theirs' | 'deleted-ours-modified-theirs';

export interface MergeConflict {
  key: string;
  kind: ConflictKind;
  // Raw JSON text of the value on each side; absent where the side has no such key.
  base?: string;
  ours?: string;
  theirs?: string;
}

export interface MergeStats {
  baseKeys: number;
  oursKeys: number;
  theirsKeys: number;
  resultKeys: number;
  // Changes theirs brought in (ours' changes are the starting point).
  takenFromTheirs: { added: number; modified: number; deleted: number };
  // Keys both sides changed in the same way.
  sameChange: number;
}

export interface MergeResult {
  conflicts: MergeConflict[];
  // True when conflicts were settled by the strategy (the output is then the merge result).
  resolved: boolean;
  stats: MergeStats;
}

export interface MergeInputs {
  // undefined: no common ancestor (both sides added the file) — an empty map.
  base: LabelMapInput | undefined;
  ours: LabelMapInput;
  theirs: LabelMapInput;
}

export interface MergeOptions extends SortBudget {
  strategy?: MergeStrategy;
  // For tests: a value digest that collides on purpose.
  valueDigest?: ValueDigest;
}

// A conflict with the values each side has.
function conflictOf(key: string, kind: ConflictKind, base: Buffer | undefined, ours: string | undefined, theirs: Buffer | undefined): MergeConflict {
  return {
    key,
    kind,
    ...(base !== undefined && { base: base.toString('utf8') }),
    ...(ours !== undefined && { ours }),
    ...(theirs !== undefined && { theirs: theirs.toString('utf8') }),
  };
}

interface MergeState {
  writer: MapWriter;
  values: ValueEquality;
  stats: MergeStats;
  conflicts: MergeConflict[];
  useTheirs: boolean;
}

// The current key of ours, which theirs changed: taken from one side, or a conflict.
function resolveChanged(ours: MemberCursor, change: TheirsChange, { writer, values, stats, conflicts, useTheirs }: MergeState): void {
  const { buf, rawKeyStart, rawKeyEnd, rawStart, rawEnd } = ours;
  const writeOurs = (): void => writer.add(buf, rawKeyStart, rawKeyEnd, buf, rawStart, rawEnd);
  const writeTheirs = (theirs: Buffer): void => writer.add(buf, rawKeyStart, rawKeyEnd, theirs, 0, theirs.length);
  const same = (value: Buffer): boolean => values.same(buf, rawStart, rawEnd, value, 0, value.length);
  const conflict = (kind: ConflictKind): void => {
    conflicts.push(conflictOf(ours.key(), kind, change.base, buf.toString('utf8', rawStart, rawEnd), change.theirs));
  };
  if (change.ours) throw sideError('ours', duplicateKey(ours.key()));
  change.ours = true;
  if (change.theirs === undefined) {
    // theirs deleted the key
    if (same(change.base!)) {
      stats.takenFromTheirs.deleted++;
    } else {
      conflict('modified-ours-deleted-theirs');
      if (useTheirs) stats.takenFromTheirs.deleted++;
      else writeOurs();
    }
  } else if (change.base !== undefined && same(change.base)) {
    stats.takenFromTheirs.modified++;
    writeTheirs(change.theirs);
  } else if (same(change.theirs)) {
    stats.sameChange++;
    writeOurs();
  } else {
    conflict(change.base === undefined ? 'added-both' : 'modified-both');
    if (useTheirs) writeTheirs(change.theirs);
    else writeOurs();
  }
}

// Merges and writes the result to `out` (not ended). With conflicts and strategy `conflict`, the
// output is ours-biased and not meant to be used; the caller discards it.
export async function mergeLabelMaps(inputs: MergeInputs, out: Writable, options: MergeOptions = {}): Promise<MergeResult> {
  const strategy = options.strategy ?? 'conflict';
  const useTheirs = strategy === 'theirs';
  const newStats = (): MergeStats => ({
    baseKeys: 0,
    oursKeys: 0,
    theirsKeys: 0,
    resultKeys: 0,
    takenFromTheirs: { added: 0, modified: 0, deleted: 0 },
    sameChange: 0,
  });
  let stats = newStats();
  const values = new ValueEquality(options.valueDigest);
  const changes = await withSortedCursors(
    [
      { side: 'base', input: inputs.base },
      { side: 'theirs', input: inputs.theirs },
    ],
    options,
    ([base, theirs], confirmOrder) => {
      stats = newStats();
      // A quarter of the sort budget held before the inputs' order is confirmed.
      return theirsChanges(base!, theirs!, stats, values, { confirmOrder, holdBeforeConfirming: (options.memoryBudget ?? DEFAULT_MEMORY_BUDGET) / 4 });
    },
  );

  // 2. ours, writing the result as it goes.
  const writer = new MapWriter(out);
  const conflicts: MergeConflict[] = [];
  const finder = new ChangeFinder(changes);
  const ours = streamCursor('ours', inputs.ours);
  try {
    for (;;) {
      const pending = ours.next();
      if (pending) await pending;
      if (ours.done) break;
      const change = finder.find(ours);
      // A key theirs did not touch: ours as it stands (the usual case, kept free of allocations).
      if (change === undefined) writer.add(ours.buf, ours.rawKeyStart, ours.rawKeyEnd, ours.buf, ours.rawStart, ours.rawEnd);
      else resolveChanged(ours, change, { writer, values, stats, conflicts, useTheirs });
      if (writer.full) await writer.flush();
    }
  } finally {
    await ours.close();
  }
  stats.oursKeys = ours.count;
  // A repeated key in ours shows as such only in key order.
  if (!ours.ascending) await checkUniqueKeys({ side: 'ours', input: inputs.ours }, options);

  // 3. Keys ours does not have: theirs' additions, both deleted, or deleted by ours but changed by
  // theirs (a conflict, in base order).
  const deletedByOurs = changes.filter((c) => !c.ours && c.base !== undefined && c.theirs !== undefined).sort((a, b) => a.baseSeq - b.baseSeq);
  for (const c of deletedByOurs) conflicts.push(conflictOf(c.key.toString('utf8'), 'deleted-ours-modified-theirs', c.base, undefined, c.theirs));
  // 4. Appended in theirs' order: its additions, and what a `theirs` resolution restores.
  const appended = changes.filter((c) => !c.ours && c.theirs !== undefined && (c.base === undefined || useTheirs)).sort((a, b) => a.theirsSeq - b.theirsSeq);
  for (const c of appended) {
    if (c.base === undefined) stats.takenFromTheirs.added++;
    writer.add(c.rawKey, 0, c.rawKey.length, c.theirs!, 0, c.theirs!.length);
    if (writer.full) await writer.flush();
  }
  await writer.flush(true);
  stats.resultKeys = writer.count;
  return { conflicts, resolved: conflicts.length > 0 && strategy !== 'conflict', stats };
}

export { LabelMapFormatError };
