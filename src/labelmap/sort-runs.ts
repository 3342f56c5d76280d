// The runs of an external sort merged back into one walk in key order: each run file is read a
// block at a time, and a binary heap of the runs by current key (then input position) picks the
// next member.
import type { FileHandle } from 'node:fs/promises';
import { compareBytes } from './json-bytes.js';
import { MemberCursor } from './member-cursor.js';
import { BLOCK, HEADER, loadRecord, recordSize, sortKeyOf } from './sort-records.js';

// One run file, read a block at a time. Each refill reads into a new buffer, so a record the
// merge still points at is never overwritten.
export class RunReader {
  buf = Buffer.alloc(0);
  at = 0;
  private end = 0;
  private next = 0;
  private eof = false;

  constructor(private readonly handle: FileHandle) {}

  // Moves to the next record; false at the end of the run.
  async advance(): Promise<boolean> {
    this.at = this.next;
    if (!(await this.ensure(HEADER))) return false;
    const size = recordSize(this.buf, this.at);
    if (!(await this.ensure(size))) throw new Error('a label-map sort run ended inside a record');
    this.next = this.at + size;
    return true;
  }

  // Whether `bytes` bytes from `at` are in the buffer, reading more if needed.
  private async ensure(bytes: number): Promise<boolean> {
    if (this.at + bytes <= this.end) return true;
    if (this.eof && this.at === this.end) return false;
    const kept = this.end - this.at;
    const next = Buffer.allocUnsafe(Math.max(BLOCK, 2 * bytes));
    this.buf.copy(next, 0, this.at, this.end);
    let filled = kept;
    while (filled < bytes && !this.eof) {
      const { bytesRead } = await this.handle.read(next, filled, next.length - filled, null);
      if (bytesRead === 0) this.eof = true;
      filled += bytesRead;
    }
    this.buf = next;
    this.next -= this.at;
    this.at = 0;
    this.end = filled;
    if (filled === 0) return false;
    return filled >= bytes;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

// The runs merged: a binary heap of readers by current key, then input position.
export class RunsCursor extends MemberCursor {
  private heap: RunReader[] = [];
  private started = false;

  constructor(
    side: string,
    private readonly readers: RunReader[],
  ) {
    super(side, true);
  }

  next(): Promise<void> {
    return this.step();
  }

  override async close(): Promise<void> {
    const readers = this.readers.splice(0);
    await Promise.all(readers.map((r) => r.close()));
  }

  private async step(): Promise<void> {
    if (!this.started) {
      this.started = true;
      for (const r of this.readers) if (await r.advance()) this.push(r);
    } else {
      const top = this.heap[0]!;
      if (await top.advance()) this.siftDown(0);
      else {
        const last = this.heap.pop()!;
        if (this.heap.length > 0 && last !== top) {
          this.heap[0] = last;
          this.siftDown(0);
        }
      }
    }
    const top = this.heap[0];
    if (top === undefined) {
      this.done = true;
      await this.close();
      return;
    }
    loadRecord(this, top.buf, top.at);
    this.checkOrder();
  }

  private readonly keyX = new Int32Array(2);
  private readonly keyY = new Int32Array(2);

  private less(x: RunReader, y: RunReader): boolean {
    const a = this.keyX;
    const b = this.keyY;
    sortKeyOf(x.buf, x.at, a);
    sortKeyOf(y.buf, y.at, b);
    const order = compareBytes(x.buf, a[0]!, a[1]!, y.buf, b[0]!, b[1]!);
    return order < 0 || (order === 0 && x.buf.readUInt32LE(x.at + 8) < y.buf.readUInt32LE(y.at + 8));
  }

  private push(r: RunReader): void {
    const h = this.heap;
    h.push(r);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private siftDown(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
