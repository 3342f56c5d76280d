#!/usr/bin/env node
// The entry point git-lfs runs for the transfer agent (lfs.customtransfer.lfs-lazy.args). It is
// CommonJS on purpose: git-lfs starts its agents one after another, each waiting for the previous
// one's `init` reply, and node's ES-module loader alone costs more start-up time than the rest of
// the reply (13–18 ms measured here, against ≈ 35–85 ms for `node -e 0`). Everything after the
// reply is the same ES-module code `lfs-lazy agent` runs.
import fastStart = require('./agent-fast-start.cjs');
import peakMemory = require('./peak-memory.cjs');
import runtimeWarnings = require('./runtime-warnings.cjs');

runtimeWarnings.quietRuntimeWarnings(process.env);
peakMemory.reportPeakMemoryIfAsked('agent');
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };
fastStart.startAgent(io).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    const { reportFailure } = await import('./report-failure.js');
    process.exitCode = reportFailure(err, io, 'agent');
  },
);
