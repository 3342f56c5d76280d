#!/usr/bin/env node
// The entry point. Kept to node built-ins: `agent` answers init before loading anything
// (agent-fast-start.cts; git-lfs itself runs the CommonJS agent-main.cjs, which starts faster);
// every other command goes through run.ts.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from './command.js';

function isEntryPoint(): boolean {
  try {
    // import.meta.filename is node ≥ 20.11's (and the bundle's __filename: no URL made at start).
    const self = import.meta.filename ?? fileURLToPath(import.meta.url);
    const started = process.argv[1] ?? '';
    return started === self || realpathSync(started) === realpathSync(self);
  } catch {
    return false;
  }
}

// The process's own streams, each made when first used: node builds process.stdin on first access
// (≈ 5–10 ms of stream modules here), and most commands never read it.
function processIO(): CommandIO {
  return {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      return quietWhenReaderGoes(process.stdout);
    },
    get stderr() {
      return process.stderr;
    },
    cwd: process.cwd(),
    env: process.env,
  };
}

// A reader that goes away (`lfs-lazy status | head`) ends the output, not the command with a stack
// trace: what is still written goes nowhere, as with git. The batch modes also stop early then
// (cli/batch-output.ts).
let watchedStdout = false;
function quietWhenReaderGoes(stdout: NodeJS.WriteStream): NodeJS.WriteStream {
  if (!watchedStdout) {
    watchedStdout = true;
    stdout.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
  return stdout;
}

async function start(): Promise<number> {
  const io = processIO();
  const argv = process.argv.slice(2);
  if (argv[0] === 'agent' && argv.length === 1) {
    const { startAgent } = (await import('./agent-fast-start.cjs')).default;
    return startAgent(io, runAgentSession);
  }
  const { main } = await import('./run.js');
  return main(argv, io);
}

// The agent's session after its `init` reply: for `lfs-lazy agent`, and for agent-main.cts, which
// runs this file's bundle without being its entry point.
export async function runAgentSession(io: CommandIO, input: AsyncIterable<Buffer>, initLine: string | undefined): Promise<number> {
  const { runAgentCommand } = await import('./commands/agent.js');
  return runAgentCommand(io, input, initLine);
}

// No top-level await: the same file is bundled as CommonJS (scripts/bundle.mjs), which has none.
async function runAsEntryPoint(): Promise<void> {
  // Once nothing is left to do (every write flushed, every child reaped, every file closed), exit
  // rather than let node take down its environment and heap one piece at a time: ≈ 2–4 ms of every
  // command here. 'exit' handlers still run (the code cache is written there).
  process.once('beforeExit', () => process.exit());
  (await import('./runtime-warnings.cjs')).default.quietRuntimeWarnings(process.env);
  if (process.env['LFS_LAZY_BENCH_RSS_FILE']) (await import('./peak-memory.cjs')).default.reportPeakMemoryIfAsked(process.argv[2] ?? '');
  process.exitCode = await start().catch(async (err: unknown) => {
    const { reportFailure } = await import('./report-failure.js');
    return reportFailure(err, processIO(), process.argv[2] ?? 'lfs-lazy');
  });
}

if (isEntryPoint()) void runAsEntryPoint();
