import type { HydrateProgress } from './hydrate.js';

// Sums per-object byte counts (a retried download restarts from 0: the count never goes back).
export class ProgressCounter {
  private readonly perObject = new Map<string, number>();
  private done = 0;
  private bytesDone = 0;

  constructor(
    private readonly filesTotal: number,
    private readonly bytesTotal: number,
    private readonly emit: ((progress: HydrateProgress) => void) | undefined,
  ) {
    this.send();
  }

  // `object`: anything naming one download (the oid, or oid and size).
  bytes(object: string, bytesSoFar: number): void {
    const before = this.perObject.get(object) ?? 0;
    if (bytesSoFar <= before) return;
    this.perObject.set(object, bytesSoFar);
    this.bytesDone += bytesSoFar - before;
    this.send();
  }

  filesDone(count: number): void {
    this.done += count;
    this.send();
  }

  private send(): void {
    this.emit?.({ filesDone: this.done, filesTotal: this.filesTotal, bytesDone: this.bytesDone, bytesTotal: this.bytesTotal });
  }
}
