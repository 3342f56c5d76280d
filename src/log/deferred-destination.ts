import pino from 'pino';

interface Sink {
  write(line: string): unknown;
}

// A pino destination whose target is decided later: the agent must answer `init` before it has
// read the repository's config, which is where the log file and level are chosen. Lines logged
// before then are held (bounded) and replayed to the final target.
export class DeferredDestination {
  private pending: string[] = [];
  private target: Sink | undefined;
  private static readonly MAX_PENDING = 1000;

  write(line: string): void {
    if (this.target) {
      this.target.write(line);
    } else if (this.pending.length < DeferredDestination.MAX_PENDING) {
      this.pending.push(line);
    }
  }

  // A file path, or undefined for stderr. Never stdout: it carries protocol bytes.
  settle(file: string | undefined, minLevel = 0): void {
    if (this.target) return;
    this.target = file
      ? pino.destination({ dest: file, append: true, mkdir: true, sync: true, mode: 0o600 })
      : pino.destination({ fd: 2, sync: true });
    for (const line of this.pending) {
      if (levelOf(line) >= minLevel) this.target.write(line);
    }
    this.pending = [];
  }
}

function levelOf(line: string): number {
  const match = /"level":(\d+)/.exec(line);
  return match ? Number(match[1]) : Number.MAX_SAFE_INTEGER;
}
