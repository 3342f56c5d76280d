import type { Readable, Writable } from 'node:stream';

export interface CommandIO {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

export interface Command {
  summary: string;
  usage: string;
  // Resolves to the process exit code. Throwing an LfsLazyError prints its one-line message.
  run(args: string[], io: CommandIO): Promise<number>;
}
