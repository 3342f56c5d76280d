// A process driven the way a co-process is: write a request, read exactly its answer, repeat —
// with the input kept open, so an answer that only comes at end of input never comes (the test
// times out instead of passing).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

export class CoProcess {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = Buffer.alloc(0);
  private ended = false;
  private wake: (() => void) | undefined;
  private readonly errors: Buffer[] = [];
  readonly exited: Promise<number>;

  constructor(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.notify();
    });
    this.child.stdout.on('end', () => {
      this.ended = true;
      this.notify();
    });
    this.child.stderr.on('data', (chunk: Buffer) => this.errors.push(chunk));
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code ?? 1)));
  }

  get stderr(): string {
    return Buffer.concat(this.errors).toString();
  }

  send(bytes: Buffer | string): void {
    this.child.stdin.write(bytes);
  }

  end(): void {
    this.child.stdin.end();
  }

  // Up to and without the next `separator` byte (consumed).
  async readRecord(separator: number): Promise<Buffer> {
    for (;;) {
      const at = this.buffered.indexOf(separator);
      if (at >= 0) return this.take(at + 1).subarray(0, at);
      await this.more('a record');
    }
  }

  async readBytes(count: number): Promise<Buffer> {
    while (this.buffered.length < count) await this.more(`${count} bytes`);
    return this.take(count);
  }

  // Everything until stdout ends.
  async rest(): Promise<Buffer> {
    while (!this.ended) await this.more('the end');
    return this.take(this.buffered.length);
  }

  // Closes our end of its stdout: its next write fails (EPIPE), as when a reader exits.
  closeOutput(): void {
    this.child.stdout.destroy();
  }

  kill(): void {
    this.child.kill();
  }

  private take(count: number): Buffer {
    const out = this.buffered.subarray(0, count);
    this.buffered = this.buffered.subarray(count);
    return out;
  }

  private more(what: string): Promise<void> {
    if (this.ended) throw new Error(`stdout ended while waiting for ${what}; stderr: ${this.stderr}`);
    return new Promise((resolve) => (this.wake = resolve));
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
