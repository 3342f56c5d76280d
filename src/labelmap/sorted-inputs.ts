// Label maps walked in key order. Each input is first read as it is, which costs nothing extra when
// it is already sorted (generated maps usually are). When a walk finds one out of order, that input
// is sorted in bounded memory (external-sort.ts) and the walk starts again from the beginning.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sortMembers, type SortedMembers } from './external-sort.js';
import { drain, MemberCursor, NotSorted, StreamCursor } from './member-cursor.js';
import { byteChunks } from './tokenizer.js';

// A label map that can be read more than once: each call opens it again from the start.
export type LabelMapInput = () => AsyncIterable<Uint8Array | string>;

export interface SortBudget {
  // Bytes an unsorted input may hold in memory while it is sorted (default 128 MiB); more is
  // written to sorted runs on disk.
  memoryBudget?: number;
  // Where those runs go (default: the system's temporary directory).
  tempDir?: string;
  // Told of each input that had to be sorted, with the number of runs written (0: in memory).
  onSort?: (side: string, runs: number) => void;
}

export const DEFAULT_MEMORY_BUDGET = 128 * 1024 * 1024;

export interface SortedSide {
  side: string;
  // undefined: the file does not exist there — an empty map.
  input: LabelMapInput | undefined;
}

async function* emptyMap(): AsyncGenerator<string> {
  yield '{}';
}

// An input read as it is, in any order (`ascending` says whether it was sorted).
export function streamCursor(side: string, input: LabelMapInput | undefined, strict = false): StreamCursor {
  return new StreamCursor(side, byteChunks(input ? input() : emptyMap()), strict);
}

// Given to a walk that holds what it finds (the merge holds theirs' changes): reads through every
// input the walk reads as it is, checking its key order, and throws NotSorted for one that is not.
// A walk calls it before it holds much: an input in an order the walk does not expect (numbers
// written unpadded, clip_9 before clip_10) makes every key look changed until its cursor meets the
// first key out of place, which may be millions of keys in.
export type ConfirmOrder = () => Promise<void>;

export async function withSortedCursors<T>(sides: SortedSide[], budget: SortBudget, walk: (cursors: MemberCursor[], confirmOrder: ConfirmOrder) => Promise<T>): Promise<T> {
  const sorted = new Map<string, SortedMembers>();
  const inOrder = new Set<string>();
  const confirmOrder: ConfirmOrder = async () => {
    for (const { side, input } of sides) {
      if (sorted.has(side) || inOrder.has(side)) continue;
      const cursor = streamCursor(side, input, true);
      try {
        await drain(cursor, () => {});
      } finally {
        await cursor.close();
      }
      inOrder.add(side);
    }
  };
  let tempDir: string | undefined;
  try {
    for (;;) {
      const cursors: MemberCursor[] = [];
      try {
        for (const { side, input } of sides) {
          const members = sorted.get(side);
          cursors.push(members ? await members.cursor() : streamCursor(side, input, true));
        }
        return await walk(cursors, confirmOrder);
      } catch (err) {
        if (!(err instanceof NotSorted)) throw err;
        // Sorted once, walked again by every later attempt.
        tempDir ??= await mkdtemp(join(budget.tempDir ?? tmpdir(), 'lfs-lazy-sort-'));
        const input = sides.find((s) => s.side === err.side)!.input;
        const members = await sortMembers(err.side, byteChunks(input ? input() : emptyMap()), { memoryBudget: budget.memoryBudget ?? DEFAULT_MEMORY_BUDGET, tempDir });
        budget.onSort?.(err.side, members.runs);
        sorted.set(err.side, members);
      } finally {
        await Promise.all(cursors.map((c) => c.close()));
      }
    }
  } finally {
    if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  }
}

// Reads a whole input in key order only to find a repeated key (reported by the cursor).
export async function checkUniqueKeys(side: SortedSide, budget: SortBudget): Promise<void> {
  await withSortedCursors([side], budget, ([cursor]) => drain(cursor!, () => {}));
}
