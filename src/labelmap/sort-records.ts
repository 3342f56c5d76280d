// The records an external sort holds in memory: each member's raw key, raw value, sort key and
// position, packed into 1 MiB blocks with a typed-array index, sorted by key (then position), and
// written out as a run. A cursor walks them in memory or (sort-runs.ts) from run files.
//
// Record: rawKeyLength, rawLength, seq, keyLength (u32 each, little-endian; KEY_IN_RAW when the
// sort key is the raw key without its quotes), then the raw key, the raw value, the sort key.
import { open } from 'node:fs/promises';
import { compareBytes } from './json-bytes.js';
import { MemberCursor } from './member-cursor.js';

export const HEADER = 16;
const KEY_IN_RAW = 0xffffffff;
export const BLOCK = 1 << 20;
// Index bytes per record: block, offset, key start, key end, seq.
const INDEX_BYTES = 20;

// Bytes of the record at `at`.
export function recordSize(b: Buffer, at: number): number {
  const keyLength = b.readUInt32LE(at + 12);
  return HEADER + b.readUInt32LE(at) + b.readUInt32LE(at + 4) + (keyLength === KEY_IN_RAW ? 0 : keyLength);
}

// Where the sort key of the record at `at` is, into `out` (start, end).
export function sortKeyOf(b: Buffer, at: number, out: Int32Array): void {
  const rawKeyLength = b.readUInt32LE(at);
  const keyLength = b.readUInt32LE(at + 12);
  if (keyLength === KEY_IN_RAW) {
    out[0] = at + HEADER + 1;
    out[1] = at + HEADER + rawKeyLength - 1;
  } else {
    out[0] = at + HEADER + rawKeyLength + b.readUInt32LE(at + 4);
    out[1] = out[0] + keyLength;
  }
}

export class Records {
  blocks: Buffer[] = [];
  private block = Buffer.alloc(0);
  private used = 0;
  count = 0;
  bytes = 0;
  blk = new Int32Array(1024);
  off = new Int32Array(1024);
  keyS = new Int32Array(1024);
  keyE = new Int32Array(1024);
  seq = new Int32Array(1024);

  add(c: MemberCursor): void {
    const rawKeyLength = c.rawKeyEnd - c.rawKeyStart;
    const rawLength = c.rawEnd - c.rawStart;
    const keyInRaw = c.keyBuf === c.buf;
    const keyLength = keyInRaw ? 0 : c.keyEnd - c.keyStart;
    const size = HEADER + rawKeyLength + rawLength + keyLength;
    if (this.used + size > this.block.length) {
      this.block = Buffer.allocUnsafe(Math.max(BLOCK, size));
      this.blocks.push(this.block);
      this.used = 0;
    }
    const b = this.block;
    const at = this.used;
    b.writeUInt32LE(rawKeyLength, at);
    b.writeUInt32LE(rawLength, at + 4);
    b.writeUInt32LE(c.seq, at + 8);
    b.writeUInt32LE(keyInRaw ? KEY_IN_RAW : keyLength, at + 12);
    c.buf.copy(b, at + HEADER, c.rawKeyStart, c.rawKeyEnd);
    c.buf.copy(b, at + HEADER + rawKeyLength, c.rawStart, c.rawEnd);
    if (!keyInRaw) c.keyBuf.copy(b, at + HEADER + rawKeyLength + rawLength, c.keyStart, c.keyEnd);
    if (this.count === this.blk.length) this.grow();
    const r = this.count++;
    this.blk[r] = this.blocks.length - 1;
    this.off[r] = at;
    this.keyS[r] = keyInRaw ? at + HEADER + 1 : at + HEADER + rawKeyLength + rawLength;
    this.keyE[r] = keyInRaw ? at + HEADER + rawKeyLength - 1 : at + size;
    this.seq[r] = c.seq;
    this.used += size;
    this.bytes += size + INDEX_BYTES;
  }

  // Record numbers in key order (then input order).
  sorted(): Int32Array {
    const ids = new Int32Array(this.count);
    for (let r = 0; r < this.count; r++) ids[r] = r;
    const { blocks, blk, keyS, keyE, seq } = this;
    return ids.sort((x, y) => compareBytes(blocks[blk[x]!]!, keyS[x]!, keyE[x]!, blocks[blk[y]!]!, keyS[y]!, keyE[y]!) || seq[x]! - seq[y]!);
  }

  size(r: number): number {
    return recordSize(this.blocks[this.blk[r]!]!, this.off[r]!);
  }

  private grow(): void {
    const n = this.blk.length * 2;
    for (const name of ['blk', 'off', 'keyS', 'keyE', 'seq'] as const) {
      const grown = new Int32Array(n);
      grown.set(this[name]);
      this[name] = grown;
    }
  }
}

// Points a cursor's fields at the record at `at` in `b`.
export function loadRecord(c: MemberCursor, b: Buffer, at: number): void {
  const rawKeyLength = b.readUInt32LE(at);
  const rawLength = b.readUInt32LE(at + 4);
  const keyLength = b.readUInt32LE(at + 12);
  c.buf = b;
  c.keyBuf = b;
  c.rawKeyStart = at + HEADER;
  c.rawKeyEnd = at + HEADER + rawKeyLength;
  c.rawStart = c.rawKeyEnd;
  c.rawEnd = c.rawStart + rawLength;
  c.seq = b.readUInt32LE(at + 8);
  // The sort key: the raw key without its quotes, or stored after the value.
  const inRaw = keyLength === KEY_IN_RAW;
  c.keyStart = inRaw ? c.rawKeyStart + 1 : c.rawEnd;
  c.keyEnd = inRaw ? c.rawKeyEnd - 1 : c.rawEnd + keyLength;
}

// Records sorted in memory.
export class RecordsCursor extends MemberCursor {
  private index = -1;

  constructor(
    side: string,
    private readonly records: Records,
    private readonly order: Int32Array,
  ) {
    super(side, true);
  }

  next(): void {
    if (++this.index >= this.order.length) {
      this.done = true;
      return;
    }
    const r = this.order[this.index]!;
    loadRecord(this, this.records.blocks[this.records.blk[r]!]!, this.records.off[r]!);
    this.checkOrder();
  }
}

export async function writeRun(records: Records, path: string): Promise<void> {
  const handle = await open(path, 'wx', 0o600);
  try {
    let out = Buffer.allocUnsafe(BLOCK);
    let used = 0;
    for (const r of records.sorted()) {
      const size = records.size(r);
      if (used + size > out.length) {
        await handle.write(out, 0, used);
        if (size > out.length) out = Buffer.allocUnsafe(size);
        used = 0;
      }
      records.blocks[records.blk[r]!]!.copy(out, used, records.off[r]!, records.off[r]! + size);
      used += size;
    }
    if (used > 0) await handle.write(out, 0, used);
  } finally {
    await handle.close();
  }
}
