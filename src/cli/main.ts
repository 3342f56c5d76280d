#!/usr/bin/env node
// The entry point. Kept to node built-ins: git-lfs starts its agents one after another, each
// waiting for the previous one's `init` reply, so `agent` answers init before loading anything
// (agent-fast-start.ts); every other command goes through run.ts.
import { appendFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CommandIO } from './command.js';

function isEntryPoint(): boolean {
  try {
    return realpathSync(process.argv[1] ?? '') === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

// Benchmarks measure the peak memory of every lfs-lazy process, including the agents and filters
// that git and git-lfs start where no wrapper can reach them: each appends one line on exit.
function reportPeakMemory(file: string, command: string): void {
  process.on('exit', () => {
    const line = JSON.stringify({ command, pid: process.pid, maxRssKiB: process.resourceUsage().maxRSS });
    appendFileSync(file, `${line}\n`);
  });
}

async function start(): Promise<number> {
  const io: CommandIO = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
  const argv = process.argv.slice(2);
  if (argv[0] === 'agent' && argv.length === 1) {
    const { startAgent } = await import('./agent-fast-start.js');
    return startAgent(io);
  }
  const { main } = await import('./run.js');
  return main(argv, io);
}

if (isEntryPoint()) {
  const rssFile = process.env['LFS_LAZY_BENCH_RSS_FILE'];
  if (rssFile) reportPeakMemory(rssFile, process.argv[2] ?? '');
  start().then(
    (code) => {
      process.exitCode = code;
    },
    async (err: unknown) => {
      const { reportFailure } = await import('./report-failure.js');
      process.exitCode = reportFailure(err, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env }, process.argv[2] ?? 'lfs-lazy');
    },
  );
}
