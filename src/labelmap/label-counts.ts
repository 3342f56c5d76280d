// How many values carry each label, counted on the bytes of the label's JSON text: no string is
// made per value (a 20-million-entry map has a handful of distinct labels, or millions, and both
// must be cheap). Pure.
import { compareBytes, QUOTE, sameBytes, skipSpace } from './json-bytes.js';

export interface LabelCount {
  // null: values that have no label (see labelOf).
  label: string | null;
  before: number;
  after: number;
}


// The label of one value: a string value is its own label; a number, boolean or null its JSON
// text; an object's label is its `field` member when that is a string, number, boolean or null
// (the last one, if repeated, as in JSON.parse). Anything else (arrays, objects without the member,
// a non-scalar member) has no label (null). The value must be valid JSON: it is scanned, not parsed.
export function labelOf(raw: string, field: string): string | null {
  const b = Buffer.from(raw, 'utf8');
  const range = new Int32Array(2);
  return labelRange(b, 0, b.length, Buffer.from(field, 'utf8'), range) ? labelFromText(b.toString('utf8', range[0], range[1])) : null;
}

// Puts the range of the label's JSON text into `out`; false when the value has no label.
function labelRange(b: Uint8Array, start: number, end: number, field: Uint8Array, out: Int32Array): boolean {
  const c = b[start];
  if (c === QUOTE || (c !== 0x7b && c !== 0x5b)) {
    out[0] = start;
    out[1] = end;
    return true;
  }
  if (c === 0x5b) return false;
  let found = false;
  let i = skipSpace(b, start + 1, end);
  while (b[i] === QUOTE) {
    const keyEnd = stringEnd(b, i, end);
    const valueStart = skipSpace(b, skipSpace(b, keyEnd, end) + 1, end);
    const valueEnd = valueEndAt(b, valueStart, end);
    if (isField(b, i, keyEnd, field)) {
      const d = b[valueStart];
      found = d !== 0x7b && d !== 0x5b;
      out[0] = valueStart;
      out[1] = valueEnd;
    }
    i = skipSpace(b, valueEnd, end);
    if (b[i] !== 0x2c) break;
    i = skipSpace(b, i + 1, end);
  }
  return found;
}

function labelFromText(text: string): string {
  if (text.charCodeAt(0) !== QUOTE) return text;
  return text.includes('\\') ? (JSON.parse(text) as string) : text.slice(1, -1);
}

// Whether the quoted name b[start..end) is `field`. Only a name longer than the field can be an
// escaped spelling of it ("lab\u0065l"), and only such a name is decoded.
function isField(b: Uint8Array, start: number, end: number, field: Uint8Array): boolean {
  const length = end - start - 2;
  if (length === field.length) return compareBytes(b, start + 1, end - 1, field, 0, field.length) === 0;
  if (length < field.length) return false;
  for (let k = start; k < end; k++) {
    if (b[k] === 0x5c) return (JSON.parse(Buffer.from(b.subarray(start, end)).toString('utf8')) as string) === Buffer.from(field).toString('utf8');
  }
  return false;
}

// Index after the string that starts at `i`.
function stringEnd(b: Uint8Array, i: number, end: number): number {
  for (let j = i + 1; j < end; j++) {
    const c = b[j];
    if (c === 0x5c) j++;
    else if (c === QUOTE) return j + 1;
  }
  return end;
}

// Index after the (valid) value that starts at `i`.
function valueEndAt(b: Uint8Array, i: number, end: number): number {
  const c = b[i];
  if (c === QUOTE) return stringEnd(b, i, end);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < end; j++) {
      const d = b[j];
      if (d === QUOTE) j = stringEnd(b, j, end) - 1;
      else if (d === 0x7b || d === 0x5b) depth++;
      else if ((d === 0x7d || d === 0x5d) && --depth === 0) return j + 1;
    }
    return end;
  }
  let j = i;
  while (j < end) {
    const d = b[j];
    if (d === 0x2c || d === 0x7d || d === 0x5d || d === 0x20 || d === 0x0a || d === 0x0d || d === 0x09) break;
    j++;
  }
  return j;
}

interface Entry {
  text: Buffer;
  hash: number;
  // [before, after]
  counts: [number, number];
}

// Counts per label text in an open-addressing table keyed by the text's bytes.
export class LabelCounts {
  private readonly field: Buffer;
  private readonly range = new Int32Array(2);
  private entries: Entry[] = [];
  private slots = new Int32Array(64); // entry index + 1; 0 = empty
  private readonly unlabelled: [number, number] = [0, 0];

  constructor(field: string) {
    this.field = Buffer.from(field, 'utf8');
  }

  // Counts the label of the value b[start..end) `before` times on the before side and `after`
  // times on the after side (a value both sides hold byte for byte is looked at once).
  add(b: Uint8Array, start: number, end: number, before: number, after: number): void {
    if (!labelRange(b, start, end, this.field, this.range)) {
      this.unlabelled[0] += before;
      this.unlabelled[1] += after;
      return;
    }
    const s = this.range[0]!;
    const e = this.range[1]!;
    let h = 0x811c9dc5;
    for (let k = s; k < e; k++) h = Math.imul(h ^ b[k]!, 0x01000193);
    h >>>= 0;
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const at = this.slots[slot]!;
      if (at === 0) {
        this.entries.push({ text: Buffer.from(b.subarray(s, e)), hash: h, counts: [before, after] });
        this.slots[slot] = this.entries.length;
        if (2 * this.entries.length > this.slots.length) this.grow();
        return;
      }
      const entry = this.entries[at - 1]!;
      if (entry.hash === h && sameBytes(entry.text, 0, entry.text.length, b, s, e)) {
        entry.counts[0] += before;
        entry.counts[1] += after;
        return;
      }
    }
  }

  // Every label, most frequent (after) first, then by label; texts that decode to the same label
  // ("caf\u00e9" and "café", "7" and 7) are one.
  result(): LabelCount[] {
    const labels = new Map<string | null, LabelCount>();
    const tally = (label: string | null, before: number, after: number): void => {
      const entry = labels.get(label) ?? { label, before: 0, after: 0 };
      entry.before += before;
      entry.after += after;
      labels.set(label, entry);
    };
    for (const e of this.entries) tally(labelFromText(e.text.toString('utf8')), e.counts[0], e.counts[1]);
    if (this.unlabelled[0] + this.unlabelled[1] > 0) tally(null, this.unlabelled[0], this.unlabelled[1]);
    return [...labels.values()].sort((x, y) => y.after - x.after || y.before - x.before || compareLabels(x.label, y.label));
  }

  private grow(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    this.entries.forEach((entry, i) => {
      let slot = entry.hash & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = i + 1;
    });
    this.slots = slots;
  }
}

function compareLabels(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
