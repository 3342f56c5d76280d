// The totals line of `lfs-lazy status`: files and bytes per state, local, and in the bucket.
import type { FileStatus, StatusTotals } from './status.js';

export function totalsOf(files: readonly FileStatus[], withRemote: boolean): StatusTotals {
  const zero = () => ({ files: 0, bytes: 0 });
  const totals: StatusTotals = {
    files: 0,
    bytes: 0,
    states: { pointer: zero(), hydrated: zero(), modified: zero(), missing: zero(), sparse: zero() },
    local: zero(),
    ...(withRemote && { remote: zero() }),
  };
  for (const f of files) {
    totals.files++;
    totals.bytes += f.size;
    add(totals.states[f.state], f.size);
    if (f.local) add(totals.local, f.size);
    if (f.remote && totals.remote) add(totals.remote, f.size);
  }
  return totals;
}

function add(count: { files: number; bytes: number }, size: number): void {
  count.files++;
  count.bytes += size;
}
