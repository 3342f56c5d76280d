// Key-level comparison of two versions of a JSON label map: both are walked side by side in key
// order (sorted-inputs.ts), so memory holds the listed changes and the label counts, whatever the
// size of the maps. Values are compared by bytes, and by canonical form only when the bytes differ.
import { compareBytes, sameBytes } from './json-bytes.js';
import { LabelCounts, labelOf, type LabelCount } from './label-counts.js';
import { stepBoth, type MemberCursor } from './member-cursor.js';
import { withSortedCursors, type LabelMapInput, type SortBudget } from './sorted-inputs.js';
import { ValueEquality, type ValueDigest } from './value-equality.js';

export type KeyChange = 'added' | 'removed' | 'changed';

export interface LabelMapChange {
  key: string;
  change: KeyChange;
  // Raw JSON text of the value before / after; absent on the side without the key.
  before?: string;
  after?: string;
}

export interface LabelMapDiff {
  keysBefore: number;
  keysAfter: number;
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
  labelField: string;
  // Every label seen on either side, most frequent (after) first, then by label.
  labels: LabelCount[];
  // The first `limit` changes: added and changed keys in the order of `after`, then removed keys
  // in the order of `before`.
  changes: LabelMapChange[];
  truncated: boolean;
}

export interface DiffOptions extends SortBudget {
  limit?: number;
  labelField?: string;
  // For tests: a value digest that collides on purpose.
  valueDigest?: ValueDigest;
}

export const DEFAULT_CHANGE_LIMIT = 20;
export const DEFAULT_LABEL_FIELD = 'label';

// The `limit` changes that come first in their side's order (a walk in key order meets them in any
// order when the input was not sorted).
class FirstChanges {
  readonly items: Array<{ seq: number; change: LabelMapChange }> = [];

  constructor(private readonly limit: number) {}

  // `make` runs only for a change that is kept.
  offer(seq: number, make: () => LabelMapChange): void {
    const items = this.items;
    if (items.length >= this.limit && (items.length === 0 || seq > items[items.length - 1]!.seq)) return;
    let at = items.length;
    while (at > 0 && items[at - 1]!.seq > seq) at--;
    items.splice(at, 0, { seq, change: make() });
    if (items.length > this.limit) items.pop();
  }
}

async function walk(before: MemberCursor, after: MemberCursor, limit: number, labelField: string, values: ValueEquality): Promise<LabelMapDiff> {
  const labels = new LabelCounts(labelField);
  const result: LabelMapDiff = {
    keysBefore: 0,
    keysAfter: 0,
    added: 0,
    removed: 0,
    changed: 0,
    unchanged: 0,
    labelField,
    labels: [],
    changes: [],
    truncated: false,
  };
  const afterChanges = new FirstChanges(limit);
  const removedChanges = new FirstChanges(limit);
  const raw = (c: MemberCursor): string => c.buf.toString('utf8', c.rawStart, c.rawEnd);
  await stepBoth(before, after);
  while (!before.done || !after.done) {
    const order = before.done ? 1 : after.done ? -1 : compareBytes(before.keyBuf, before.keyStart, before.keyEnd, after.keyBuf, after.keyStart, after.keyEnd);
    if (order < 0) {
      labels.add(before.buf, before.rawStart, before.rawEnd, 1, 0);
      result.removed++;
      removedChanges.offer(before.seq, () => ({ key: before.key(), change: 'removed', before: raw(before) }));
      const pending = before.next();
      if (pending) await pending;
    } else if (order > 0) {
      labels.add(after.buf, after.rawStart, after.rawEnd, 0, 1);
      result.added++;
      afterChanges.offer(after.seq, () => ({ key: after.key(), change: 'added', after: raw(after) }));
      const pending = after.next();
      if (pending) await pending;
    } else {
      if (sameBytes(before.buf, before.rawStart, before.rawEnd, after.buf, after.rawStart, after.rawEnd)) {
        // The usual case: one look at the label for both sides.
        labels.add(before.buf, before.rawStart, before.rawEnd, 1, 1);
        result.unchanged++;
      } else {
        labels.add(before.buf, before.rawStart, before.rawEnd, 1, 0);
        labels.add(after.buf, after.rawStart, after.rawEnd, 0, 1);
        if (values.same(before.buf, before.rawStart, before.rawEnd, after.buf, after.rawStart, after.rawEnd)) {
          result.unchanged++;
        } else {
          result.changed++;
          afterChanges.offer(after.seq, () => ({ key: after.key(), change: 'changed', before: raw(before), after: raw(after) }));
        }
      }
      const pending = stepBoth(before, after);
      if (pending) await pending;
    }
  }
  result.keysBefore = before.count;
  result.keysAfter = after.count;
  result.changes = [...afterChanges.items, ...removedChanges.items].slice(0, limit).map((c) => c.change);
  result.truncated = result.added + result.changed + result.removed > limit;

  result.labels = labels.result();
  return result;
}

// undefined on either side: the file does not exist there (an empty map).
export async function diffLabelMaps(before: LabelMapInput | undefined, after: LabelMapInput | undefined, options: DiffOptions = {}): Promise<LabelMapDiff> {
  const limit = options.limit ?? DEFAULT_CHANGE_LIMIT;
  const field = options.labelField ?? DEFAULT_LABEL_FIELD;
  return withSortedCursors(
    [
      { side: 'before', input: before },
      { side: 'after', input: after },
    ],
    options,
    ([b, a]) => walk(b!, a!, limit, field, new ValueEquality(options.valueDigest)),
  );
}

export { labelOf, type LabelCount };
