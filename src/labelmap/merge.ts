// Three-way, key-level merge of JSON label maps, streaming.
//
// Memory: base is read once into key → (64-bit digest of its canonical value); theirs is streamed
// against it, keeping only the keys it adds or changes (with their text); ours is streamed last and
// the result is written as ours is read. Nothing holds a parsed document or a copy of the
// unchanged values, so memory grows with the number of base keys (~70 bytes each, key included)
// plus the size of theirs' changes (and of the conflicts), not with three copies of the file.
//
// Rules, per key (values compared by canonical form, canonical-value.ts):
//   unchanged on both sides, or changed on one side only (added, removed, modified) → that side's
//   the same change on both sides → taken once (ours' text)
//   different changes → a conflict: modified/modified, added/added with different values,
//   modified/deleted, deleted/modified. The strategy decides: `conflict` (report, keep ours),
//   `ours`, `theirs`.
//
// Output (deterministic): keys in ours' order, then keys only theirs has (its additions, and keys
// ours deleted but a `theirs` resolution keeps) in theirs' order. Layout: "{", one member per line
// indented by two spaces as `<key>: <value>` joined by ",", "}" and a final newline; "{}\n" when
// empty. Values keep the exact text of the side they are taken from; keys are written as ours
// spells them (`"caf\u00e9"` stays escaped) unless only theirs has the key.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { canonicalDigest } from './canonical-digest.js';
import { detach, KeyIndex, duplicateKey, forEachMember, type LabelMapInput } from './sources.js';
import { LabelMapFormatError } from './tokenizer.js';

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

// Per base key.
const THEIRS_SEEN = 1;
const THEIRS_CHANGED = 2;
const OURS_SEEN = 4;

interface TheirsChange {
  rawKey: string;
  raw: string;
  // Index in the base table, or -1 for a key theirs added.
  base: number;
  // Set when ours has the key too (so it is not appended), or when it is to be appended.
  ours: boolean;
  append: boolean;
  // digest64 of the canonical value.
  d0: number;
  d1: number;
}

class MapWriter {
  private buffer = '{';
  private first = true;
  count = 0;

  constructor(private readonly out: Writable) {}

  add(rawKey: string, raw: string): void {
    this.buffer += (this.first ? '\n  ' : ',\n  ') + rawKey + ': ' + raw;
    this.first = false;
    this.count++;
  }

  async flush(final = false): Promise<void> {
    if (final) this.buffer += this.first ? '}\n' : '\n}\n';
    else if (this.buffer.length < 1 << 16) return;
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.out.write(chunk)) await once(this.out, 'drain');
  }
}

// Merges and writes the result to `out` (not ended). With conflicts and strategy `conflict`, the
// output is ours-biased and not meant to be used; the caller discards it.
export async function mergeLabelMaps(inputs: MergeInputs, out: Writable, options: { strategy?: MergeStrategy } = {}): Promise<MergeResult> {
  const strategy = options.strategy ?? 'conflict';
  const stats: MergeStats = {
    baseKeys: 0,
    oursKeys: 0,
    theirsKeys: 0,
    resultKeys: 0,
    takenFromTheirs: { added: 0, modified: 0, deleted: 0 },
    sameChange: 0,
  };

  // 1. base: key → index in a table of digests.
  const table = new KeyIndex();
  if (inputs.base) {
    stats.baseKeys = await forEachMember('base', inputs.base, ({ key, raw }) => {
      if (table.add(key, raw) < 0) throw duplicateKey(key);
    });
  }
  const flags = table.flags;

  // 2. theirs: the keys it added or changed, with their text; flags mark the base keys it kept.
  const changes = new Map<string, TheirsChange>();
  const digests = new Uint32Array(2);
  stats.theirsKeys = await forEachMember('theirs', inputs.theirs, ({ key, rawKey, raw }) => {
    canonicalDigest(raw, digests, 0);
    const b = table.get(key);
    if (b >= 0) {
      if (flags[b]! & THEIRS_SEEN) throw duplicateKey(key);
      if (table.same(b, digests, 0)) {
        flags[b]! |= THEIRS_SEEN;
        return;
      }
      flags[b]! |= THEIRS_SEEN | THEIRS_CHANGED;
    } else if (changes.has(key)) {
      throw duplicateKey(key);
    }
    changes.set(detach(key), {
      rawKey: detach(rawKey),
      raw: detach(raw),
      base: b,
      ours: false,
      append: false,
      d0: digests[0]!,
      d1: digests[1]!,
    });
  });

  // 3. ours, writing the result as it goes.
  const writer = new MapWriter(out);
  const conflicts: MergeConflict[] = [];
  const oursAdded = new Set<string>();
  const useTheirs = strategy === 'theirs';
  stats.oursKeys = await forEachMember(
    'ours',
    inputs.ours,
    ({ key, rawKey, raw }) => {
      canonicalDigest(raw, digests, 0);
      const b = table.get(key);
      if (b >= 0) {
        const f = flags[b]!;
        if (f & OURS_SEEN) throw duplicateKey(key);
        flags[b] = f | OURS_SEEN;
        const oursChanged = !table.same(b, digests, 0);
        if (!(f & THEIRS_SEEN)) {
          // theirs deleted the key
          if (!oursChanged) {
            stats.takenFromTheirs.deleted++;
          } else {
            conflicts.push({ key: detach(key), kind: 'modified-ours-deleted-theirs', ours: detach(raw) });
            if (useTheirs) stats.takenFromTheirs.deleted++;
            else writer.add(rawKey, raw);
          }
          return;
        }
        if (!(f & THEIRS_CHANGED)) return writer.add(rawKey, raw);
        const change = changes.get(key)!;
        change.ours = true;
        if (!oursChanged) {
          stats.takenFromTheirs.modified++;
          return writer.add(rawKey, change.raw);
        }
        if (change.d0 === digests[0] && change.d1 === digests[1]) {
          stats.sameChange++;
          return writer.add(rawKey, raw);
        }
        conflicts.push({ key: detach(key), kind: 'modified-both', ours: detach(raw), theirs: change.raw });
        return useTheirs ? writer.add(rawKey, change.raw) : writer.add(rawKey, raw);
      }
      const change = changes.get(key);
      if (change) {
        if (change.ours) throw duplicateKey(key);
        change.ours = true;
        if (change.d0 === digests[0] && change.d1 === digests[1]) {
          stats.sameChange++;
          return writer.add(rawKey, raw);
        }
        conflicts.push({ key: detach(key), kind: 'added-both', ours: detach(raw), theirs: change.raw });
        return useTheirs ? writer.add(rawKey, change.raw) : writer.add(rawKey, raw);
      }
      const size = oursAdded.size;
      oursAdded.add(detach(key));
      if (oursAdded.size === size) throw duplicateKey(key);
      writer.add(rawKey, raw);
    },
    () => writer.flush(),
  );

  // 4. Keys ours deleted: fine unless theirs changed them.
  for (let b = 0; b < table.length; b++) {
    const f = flags[b]!;
    if (f & OURS_SEEN || !(f & THEIRS_CHANGED)) continue;
    const key = table.keys[b]!;
    const change = changes.get(key)!;
    conflicts.push({ key, kind: 'deleted-ours-modified-theirs', theirs: change.raw });
    if (useTheirs) change.append = true;
  }
  // 5. Appended in theirs' order: its additions, and what a `theirs` resolution restores.
  for (const change of changes.values()) {
    if ((change.base < 0 && !change.ours) || change.append) {
      if (change.base < 0) stats.takenFromTheirs.added++;
      writer.add(change.rawKey, change.raw);
      await writer.flush();
    }
  }
  await writer.flush(true);
  stats.resultKeys = writer.count;

  // 6. The base values of the conflicts, for the report: one more pass over base, if needed.
  if (inputs.base && conflicts.length > 0) {
    const wanted = new Map<string, MergeConflict>();
    for (const c of conflicts) if (c.kind !== 'added-both') wanted.set(c.key, c);
    await forEachMember('base', inputs.base, ({ key, raw }) => {
      const c = wanted.get(key);
      if (c) c.base = detach(raw);
    });
  }
  return { conflicts, resolved: conflicts.length > 0 && strategy !== 'conflict', stats };
}

export { LabelMapFormatError };
