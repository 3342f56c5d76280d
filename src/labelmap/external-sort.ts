// The members of a label map that is not in key order, sorted in bounded memory: records are
// collected up to a memory budget (sort-records.ts), sorted, and written to a run file when the
// budget is reached; the runs are then merged (sort-runs.ts). An input that fits in the budget is
// sorted in memory and never touches the disk. Equal keys stay in input order, so a duplicate key
// reaches the cursor's check.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { StreamCursor, type MemberCursor } from './member-cursor.js';
import { Records, RecordsCursor, writeRun } from './sort-records.js';
import { RunReader, RunsCursor } from './sort-runs.js';

export interface SortOptions {
  // Bytes of records (plus their index) held before a run is written.
  memoryBudget: number;
  // A directory this sort may write its runs into; the caller removes it.
  tempDir: string;
}

// The members of one input in key order, to be walked as many times as needed.
export interface SortedMembers {
  // How many runs went to disk (0: sorted in memory).
  runs: number;
  // A new cursor from the first member. A duplicate key is reported when the cursor reaches it.
  cursor(): Promise<MemberCursor>;
}

// Reads all of `source` and sorts its members.
export async function sortMembers(side: string, source: AsyncIterable<Uint8Array>, options: SortOptions): Promise<SortedMembers> {
  const reader = new StreamCursor(side, source, false);
  let records = new Records();
  const runs: string[] = [];
  const spill = async (): Promise<void> => {
    const path = join(options.tempDir, `${side}-run-${runs.length}`);
    runs.push(path);
    await writeRun(records, path);
    records = new Records();
  };
  for (;;) {
    const pending = reader.next();
    if (pending) await pending;
    if (reader.done) break;
    records.add(reader);
    if (records.bytes >= options.memoryBudget) await spill();
  }
  if (runs.length === 0) {
    const order = records.sorted();
    const all = records;
    return { runs: 0, cursor: () => Promise.resolve(new RecordsCursor(side, all, order)) };
  }
  if (records.count > 0) await spill();
  return {
    runs: runs.length,
    cursor: async () => {
      const readers: RunReader[] = [];
      for (const path of runs) readers.push(new RunReader(await open(path, 'r')));
      return new RunsCursor(side, readers);
    },
  };
}
