// Small helpers shared by label-map merge and diff: re-openable inputs, side-labelled errors,
// growable digest tables and strings detached from the chunk they were sliced from.
import { canonicalDigest } from './canonical-digest.js';
import { LabelMapFormatError, readLabelMap, type LabelMapMember } from './tokenizer.js';

// A label map that can be read more than once (a second pass fetches the few values a report
// needs): each call opens it again from the start.
export type LabelMapInput = () => AsyncIterable<Uint8Array | string>;

export async function forEachMember(
  side: string,
  input: LabelMapInput,
  visit: (member: LabelMapMember) => void,
  afterBatch?: () => Promise<void>,
): Promise<number> {
  let count = 0;
  let current: LabelMapMember | undefined;
  try {
    for await (const batch of readLabelMap(input())) {
      try {
        for (const member of batch) {
          current = member;
          visit(member);
        }
      } catch (err) {
        // A value the canonicaliser refused: say whose.
        if (err instanceof LabelMapFormatError && err.message.startsWith('invalid JSON value') && current) {
          throw new LabelMapFormatError(`the value of key ${JSON.stringify(current.key)}: ${err.message}`);
        }
        throw err;
      }
      count += batch.length;
      if (afterBatch) await afterBatch();
    }
  } catch (err) {
    if (err instanceof LabelMapFormatError) throw new LabelMapFormatError(`${side}: ${err.message}`);
    throw err;
  }
  return count;
}

export function duplicateKey(key: string): LabelMapFormatError {
  return new LabelMapFormatError(`the key ${JSON.stringify(key)} appears more than once`);
}

// V8 keeps a substring of 13+ characters as a view of its parent string: a key kept in a map would
// keep its whole 64 KiB input chunk alive. A string that outlives its chunk goes through here.
export function detach(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

// The keys of one label map with the digest of each value (canonicalDigest) and a byte of flags:
// an open-addressing hash table over typed arrays, about half the memory and twice the speed of a
// Map<string, number> at a million keys. Entries keep the order they were added in.
export class KeyIndex {
  readonly keys: string[] = [];
  digests = new Uint32Array(2 * 4096);
  flags = new Uint8Array(4096);
  private keyHashes = new Uint32Array(4096);
  private slots = new Int32Array(8192); // entry index + 1; 0 = empty
  private mask = 8191;

  get length(): number {
    return this.keys.length;
  }

  // Index of `key`, or -1.
  get(key: string): number {
    const h = hashKey(key);
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const e = this.slots[slot]!;
      if (e === 0) return -1;
      if (this.keyHashes[e - 1] === h && this.keys[e - 1] === key) return e - 1;
    }
  }

  // Adds a key with the digest of its raw JSON value (throws LabelMapFormatError if invalid);
  // returns its index, or -1 when the key is already there (nothing is added then).
  add(key: string, raw: string): number {
    const h = hashKey(key);
    let slot = h & this.mask;
    for (; ; slot = (slot + 1) & this.mask) {
      const e = this.slots[slot]!;
      if (e === 0) break;
      if (this.keyHashes[e - 1] === h && this.keys[e - 1] === key) return -1;
    }
    const index = this.keys.length;
    if (index >= this.flags.length) this.growEntries();
    canonicalDigest(raw, this.digests, 2 * index);
    this.keys.push(detach(key));
    this.keyHashes[index] = h;
    this.slots[slot] = index + 1;
    if (2 * this.keys.length > this.slots.length) this.growSlots();
    return index;
  }

  // Whether entry `index` has the digest held at `other[at]`, `other[at + 1]`.
  same(index: number, other: Uint32Array, at: number): boolean {
    return this.digests[2 * index] === other[at] && this.digests[2 * index + 1] === other[at + 1];
  }

  private growEntries(): void {
    const n = this.flags.length * 2;
    const digests = new Uint32Array(2 * n);
    digests.set(this.digests);
    this.digests = digests;
    const flags = new Uint8Array(n);
    flags.set(this.flags);
    this.flags = flags;
    const keyHashes = new Uint32Array(n);
    keyHashes.set(this.keyHashes);
    this.keyHashes = keyHashes;
  }

  private growSlots(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.keys.length; i++) {
      let slot = this.keyHashes[i]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = i + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

// FNV-1a with a final avalanche, for the slots of KeyIndex.
function hashKey(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}
