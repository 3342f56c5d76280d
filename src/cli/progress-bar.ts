import type { Writable } from 'node:stream';

export interface ProgressState {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface ProgressBar {
  update(state: ProgressState): void;
  // Clears the bar's line, so the summary that follows starts on a clean line.
  done(): void;
}

const NO_BAR: ProgressBar = { update() {}, done() {} };
const WIDTH = 24;
const INTERVAL_MS = 100;

// A one-line bar redrawn in place on stderr, and only on a terminal: in a pipe or a log file the
// carriage returns would be noise, so there it draws nothing at all.
export function progressBar(stream: Writable, label: string, options: { now?: () => number } = {}): ProgressBar {
  const tty = stream as Writable & { isTTY?: boolean; columns?: number };
  if (!tty.isTTY) return NO_BAR;
  const now = options.now ?? (() => performance.now());
  let lastAt = -Infinity;
  let drawn = false;
  return {
    update(state) {
      const at = now();
      const finished = state.filesDone >= state.filesTotal;
      if (!finished && at - lastAt < INTERVAL_MS) return;
      lastAt = at;
      const line = renderProgress(label, state).slice(0, Math.max(10, (tty.columns || 80) - 1));
      stream.write(`\r${line}\x1b[K`);
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

export function renderProgress(label: string, s: ProgressState): string {
  const fraction = s.bytesTotal > 0 ? s.bytesDone / s.bytesTotal : s.filesTotal > 0 ? s.filesDone / s.filesTotal : 1;
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(WIDTH - filled)}]`;
  const bytes = s.bytesTotal > 0 ? `  ${formatBytes(s.bytesDone)} / ${formatBytes(s.bytesTotal)}` : '';
  return `${label} ${bar} ${s.filesDone}/${s.filesTotal} files${bytes}`;
}

// Decimal units, one decimal: "34.5 MB", as `du --si` and most download tools print them.
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

// "1 file", "3 files".
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

// A few paths for a one-line summary; the full list is in the --json report.
export function listPaths(paths: readonly string[], max = 5): string {
  const shown = paths.slice(0, max).join(', ');
  return paths.length > max ? `${shown}, … (${paths.length - max} more)` : shown;
}
