import { execFile } from 'node:child_process';

// Reserves disk blocks for a file about to receive `size` bytes, where that pays.
//
// Why: ext4 (with its default auto_da_alloc) allocates and starts writing a file's delayed blocks
// inside rename(2) when the file replaces an existing one, the "replace via rename" safety net for
// applications that skip fsync. For hydrate, which renames a freshly written 1 GiB file over its
// pointer, that made rename take 300–450 ms of the run, writing back what the kernel would
// otherwise write in the background. Blocks reserved beforehand with fallocate(2) are not delayed,
// so the rename is instant. Node has no fallocate binding; util-linux's fallocate(1) costs one
// spawn (≈ 8 ms here), so only large files get it. --keep-size: a download that stops early
// leaves a file no longer than what it wrote. Any failure (no fallocate(1), a filesystem without
// fallocate, a timeout) only means the rename may be slower: never an error.
export const PREALLOCATE_FROM_BYTES = 64 * 1024 * 1024;

// A Buffer path (a name that is not UTF-8) cannot be an argument of fallocate(1): not reserved.
export function preallocate(path: string | Buffer, size: number): Promise<void> {
  if (process.platform !== 'linux' || size < PREALLOCATE_FROM_BYTES || typeof path !== 'string') return Promise.resolve();
  return new Promise((resolve) => {
    execFile('fallocate', ['--keep-size', '--length', String(size), path], { timeout: 10_000 }, () => resolve());
  });
}
