// stat / lstat for the per-request paths of the long-lived readers (the read server, batch mode):
// synchronous, because a thread-pool round trip costs more than the call itself (on this 2-core
// VM about 10–50 µs against 1–3), and quiet: any failure is "not there".
import { lstatSync, statSync, type Stats } from 'node:fs';

export function statQuietly(path: string | Buffer): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}

export function lstatQuietly(path: string | Buffer): Stats | undefined {
  try {
    return lstatSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
}
