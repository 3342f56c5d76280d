// Key-level comparison of two versions of a JSON label map, streaming: `before` is read into
// key → digest of its canonical value (the same table the merge uses), `after` is streamed against
// it, and a second, short pass over `before` fetches the old values of the few changes listed.
import { KeyIndex, duplicateKey, detach, forEachMember, type LabelMapInput } from './sources.js';
import { canonicalDigest } from './canonical-digest.js';

export type KeyChange = 'added' | 'removed' | 'changed';

export interface LabelMapChange {
  key: string;
  change: KeyChange;
  // Raw JSON text of the value before / after; absent on the side without the key.
  before?: string;
  after?: string;
}

export interface LabelCount {
  // null: values that have no label (see labelOf).
  label: string | null;
  before: number;
  after: number;
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

export interface DiffOptions {
  limit?: number;
  labelField?: string;
}

export const DEFAULT_CHANGE_LIMIT = 20;
export const DEFAULT_LABEL_FIELD = 'label';

const SEEN = 1;

// The label of one value: a string value is its own label; a number, boolean or null its JSON
// text; an object's label is its `field` member when that is a string, number, boolean or null.
// Anything else (arrays, objects without the member, a non-scalar member) has no label (null).
// `raw` must be valid JSON (the caller has canonicalised it): objects are scanned, not parsed.
export function labelOf(raw: string, field: string): string | null {
  const c = raw.charCodeAt(0);
  if (c === 0x22) return decodeString(raw, 0, raw.length);
  if (c === 0x5b) return null;
  if (c !== 0x7b) return raw;
  let found: string | null = null;
  let i = skipSpace(raw, 1);
  while (raw.charCodeAt(i) === 0x22) {
    const keyEnd = stringEnd(raw, i);
    const key = decodeString(raw, i, keyEnd);
    i = skipSpace(raw, skipSpace(raw, keyEnd) + 1); // past ':'
    const valueEnd = valueEndAt(raw, i);
    // The last occurrence of a repeated member wins, as in JSON.parse.
    if (key === field) found = scalarLabel(raw, i, valueEnd);
    i = skipSpace(raw, valueEnd);
    if (raw.charCodeAt(i) !== 0x2c) break;
    i = skipSpace(raw, i + 1);
  }
  return found;
}

function scalarLabel(raw: string, start: number, end: number): string | null {
  const c = raw.charCodeAt(start);
  if (c === 0x22) return decodeString(raw, start, end);
  if (c === 0x7b || c === 0x5b) return null;
  return raw.slice(start, end);
}

function decodeString(raw: string, start: number, end: number): string {
  const token = raw.slice(start, end);
  return token.indexOf('\\') < 0 ? token.slice(1, -1) : (JSON.parse(token) as string);
}

function skipSpace(s: string, i: number): number {
  let c = s.charCodeAt(i);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++i);
  return i;
}

// Index after the string that starts at `i`.
function stringEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return s.length;
}

// Index after the (valid) value that starts at `i`.
function valueEndAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x22) return stringEnd(s, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      const d = s.charCodeAt(j);
      if (d === 0x22) j = stringEnd(s, j) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return j + 1;
    }
    return s.length;
  }
  let j = i;
  while (j < s.length) {
    const d = s.charCodeAt(j);
    if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
    j++;
  }
  return j;
}

function count(counts: Map<string | null, number>, label: string | null): void {
  counts.set(label, (counts.get(label) ?? 0) + 1);
}

// undefined on either side: the file does not exist there (an empty map).
export async function diffLabelMaps(before: LabelMapInput | undefined, after: LabelMapInput | undefined, options: DiffOptions = {}): Promise<LabelMapDiff> {
  const limit = options.limit ?? DEFAULT_CHANGE_LIMIT;
  const field = options.labelField ?? DEFAULT_LABEL_FIELD;
  const index = new KeyIndex();
  const labelsBefore = new Map<string | null, number>();
  const labelsAfter = new Map<string | null, number>();
  if (before) {
    await forEachMember('before', before, ({ key, raw }) => {
      if (index.add(key, raw) < 0) throw duplicateKey(key);
      count(labelsBefore, labelOf(raw, field));
    });
  }

  const result: LabelMapDiff = {
    keysBefore: index.length,
    keysAfter: 0,
    added: 0,
    removed: 0,
    changed: 0,
    unchanged: 0,
    labelField: field,
    labels: [],
    changes: [],
    truncated: false,
  };
  const listed: LabelMapChange[] = [];
  const list = (change: LabelMapChange): void => {
    if (listed.length < limit) listed.push(change);
    else result.truncated = true;
  };
  const digest = new Uint32Array(2);
  const addedKeys = new Set<string>();
  if (after) {
    result.keysAfter = await forEachMember('after', after, ({ key, raw }) => {
      canonicalDigest(raw, digest, 0);
      count(labelsAfter, labelOf(raw, field));
      const b = index.get(key);
      if (b < 0) {
        const size = addedKeys.size;
        addedKeys.add(detach(key));
        if (addedKeys.size === size) throw duplicateKey(key);
        result.added++;
        list({ key, change: 'added', after: detach(raw) });
        return;
      }
      if (index.flags[b]! & SEEN) throw duplicateKey(key);
      index.flags[b]! |= SEEN;
      if (index.same(b, digest, 0)) {
        result.unchanged++;
      } else {
        result.changed++;
        list({ key, change: 'changed', after: detach(raw) });
      }
    });
  }
  for (let b = 0; b < index.length; b++) {
    if (index.flags[b]! & SEEN) continue;
    result.removed++;
    list({ key: index.keys[b]!, change: 'removed' });
  }

  // The old values of the listed changes.
  const wanted = new Map(listed.filter((c) => c.change !== 'added').map((c) => [c.key, c]));
  if (before && wanted.size > 0) {
    await forEachMember('before', before, ({ key, raw }) => {
      const c = wanted.get(key);
      if (c) c.before = detach(raw);
    });
  }
  // Key order of the properties in each change: key, change, before, after.
  result.changes = listed.map(({ key, change, before: b, after: a }) => ({ key, change, ...(b !== undefined && { before: b }), ...(a !== undefined && { after: a }) }));

  const labels = new Set([...labelsBefore.keys(), ...labelsAfter.keys()]);
  result.labels = [...labels]
    .map((label) => ({ label, before: labelsBefore.get(label) ?? 0, after: labelsAfter.get(label) ?? 0 }))
    .sort((x, y) => y.after - x.after || y.before - x.before || compareLabels(x.label, y.label));
  return result;
}

function compareLabels(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
