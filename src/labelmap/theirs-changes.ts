// The first half of the three-way merge: base and theirs walked side by side in key order, keeping
// only the keys theirs added, changed or deleted, with their values; and the lookup of those
// changes for each key of ours.
import { compareBytes } from './json-bytes.js';
import { stepBoth, type MemberCursor } from './member-cursor.js';
import type { MergeStats } from './merge.js';
import type { ConfirmOrder } from './sorted-inputs.js';
import type { ValueEquality } from './value-equality.js';

// A key theirs added (no base), modified, or deleted (no theirs), with the values copied out.
export interface TheirsChange {
  key: Buffer;
  // Theirs' spelling of the key (base's for a deletion).
  rawKey: Buffer;
  base: Buffer | undefined;
  theirs: Buffer | undefined;
  baseSeq: number;
  theirsSeq: number;
  // Ours has the key.
  ours: boolean;
}

// Bytes a change holds besides its texts.
const CHANGE_OVERHEAD = 200;

// What theirs changed, in key order. Once the changes held pass `holdBeforeConfirming` bytes, the
// inputs' key order is confirmed first (see ConfirmOrder).
export async function theirsChanges(
  base: MemberCursor,
  theirs: MemberCursor,
  stats: MergeStats,
  values: ValueEquality,
  { confirmOrder, holdBeforeConfirming }: { confirmOrder: ConfirmOrder; holdBeforeConfirming: number },
): Promise<TheirsChange[]> {
  const changes: TheirsChange[] = [];
  let held = 0;
  let confirmed = false;
  await stepBoth(base, theirs);
  while (!base.done || !theirs.done) {
    if (!confirmed && held > holdBeforeConfirming) {
      await confirmOrder();
      confirmed = true;
    }
    const order = base.done ? 1 : theirs.done ? -1 : compareBytes(base.keyBuf, base.keyStart, base.keyEnd, theirs.keyBuf, theirs.keyStart, theirs.keyEnd);
    if (order < 0) {
      changes.push({ key: base.keyCopy(), rawKey: base.rawKeyCopy(), base: base.rawCopy(), theirs: undefined, baseSeq: base.seq, theirsSeq: -1, ours: false });
      held += CHANGE_OVERHEAD + 2 * (base.rawEnd - base.rawKeyStart);
      stats.baseKeys++;
      const pending = base.next();
      if (pending) await pending;
    } else if (order > 0) {
      changes.push({ key: theirs.keyCopy(), rawKey: theirs.rawKeyCopy(), base: undefined, theirs: theirs.rawCopy(), baseSeq: -1, theirsSeq: theirs.seq, ours: false });
      held += CHANGE_OVERHEAD + 2 * (theirs.rawEnd - theirs.rawKeyStart);
      stats.theirsKeys++;
      const pending = theirs.next();
      if (pending) await pending;
    } else {
      if (!values.same(base.buf, base.rawStart, base.rawEnd, theirs.buf, theirs.rawStart, theirs.rawEnd)) {
        changes.push({ key: theirs.keyCopy(), rawKey: theirs.rawKeyCopy(), base: base.rawCopy(), theirs: theirs.rawCopy(), baseSeq: base.seq, theirsSeq: theirs.seq, ours: false });
        held += CHANGE_OVERHEAD + 2 * (theirs.rawEnd - theirs.rawKeyStart) + (base.rawEnd - base.rawStart);
      }
      stats.baseKeys++;
      stats.theirsKeys++;
      const pending = stepBoth(base, theirs);
      if (pending) await pending;
    }
  }
  return changes;
}

// Finds the change for the current key of `ours`: a forward-moving pointer while ours is in key
// order, a binary search once it is not.
export class ChangeFinder {
  private next = 0;

  constructor(private readonly changes: TheirsChange[]) {}

  find(c: MemberCursor): TheirsChange | undefined {
    const changes = this.changes;
    if (c.ascending) {
      let order = -1;
      while (this.next < changes.length) {
        const k = changes[this.next]!.key;
        order = compareBytes(k, 0, k.length, c.keyBuf, c.keyStart, c.keyEnd);
        if (order >= 0) break;
        this.next++;
      }
      return order === 0 ? changes[this.next] : undefined;
    }
    let lo = 0;
    let hi = changes.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const k = changes[mid]!.key;
      const order = compareBytes(k, 0, k.length, c.keyBuf, c.keyStart, c.keyEnd);
      if (order === 0) return changes[mid];
      if (order < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}
