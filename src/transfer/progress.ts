export const DEFAULT_PROGRESS_INTERVAL_MS = 100;

export interface ProgressReporterOptions {
  size: number;
  emit: (bytesSoFar: number, bytesSinceLast: number) => void;
  intervalMs?: number;
  now?: () => number;
}

// Turns a stream of byte counts into few `progress` events. The first one goes out as soon as any
// byte moves: git-lfs keeps its other workers idle until worker 0 reports bytesSoFar > 0. Counts
// only ever grow, so a retried transfer that restarts from 0 does not make the meter run backwards.
// Once finished or stopped it stays silent: a store's late callback must not put a `progress` line
// after the `complete`, where git-lfs would read it as the answer to its next request.
export class ProgressReporter {
  private reported = 0;
  private emitted = false;
  private done = false;
  private lastAt = 0;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(private readonly options: ProgressReporterOptions) {
    this.intervalMs = options.intervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS;
    this.now = options.now ?? (() => performance.now());
  }

  update(bytesSoFar: number): void {
    const bytes = Math.min(bytesSoFar, this.options.size);
    if (this.done || bytes <= this.reported) return;
    const at = this.now();
    if (this.emitted && at - this.lastAt < this.intervalMs) return;
    this.send(bytes, at);
  }

  // The protocol asks for a last event with bytesSoFar == size; sent unless already reported.
  finish(): void {
    if (this.done) return;
    if (!this.emitted || this.reported < this.options.size) this.send(this.options.size, this.now());
    this.done = true;
  }

  // For a failed transfer: no final event, and nothing after.
  stop(): void {
    this.done = true;
  }

  private send(bytes: number, at: number): void {
    const since = bytes - this.reported;
    this.reported = bytes;
    this.emitted = true;
    this.lastAt = at;
    this.options.emit(bytes, since);
  }
}
