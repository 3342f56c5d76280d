#!/usr/bin/env node
// The entry point git-lfs runs for the transfer agent (lfs.customtransfer.lfs-lazy.args). It is
// CommonJS on purpose: git-lfs starts its agents one after another, each waiting for the previous
// one's `init` reply, and node's ES-module loader alone costs more start-up time than the rest of
// the reply (13–18 ms measured here, against ≈ 35–85 ms for `node -e 0`). Everything after the
// reply is what `lfs-lazy agent` runs, from the CLI's bundle and its code cache (code-cache.cts),
// which brings the AWS SDK's own bundle too: from node_modules, the SDK cost every agent git-lfs
// starts ≈ 135 ms of CPU before its first transfer, ≈ 50 ms from its bundle.
import fastStart = require('./agent-fast-start.cjs');
import peakMemory = require('./peak-memory.cjs');
import runtimeWarnings = require('./runtime-warnings.cjs');

runtimeWarnings.quietRuntimeWarnings(process.env);
peakMemory.reportPeakMemoryIfAsked('agent');
const io = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env };

// The bundle runs as lfs-lazy.cjs would run it (its paths are that file's), and since this file is
// not that one, it only hands over what main.ts exports.
type AgentSession = Parameters<typeof fastStart.startAgent>[1];
// Loaded after the reply, like the rest.
const sessionFromBundle: AgentSession = (io, input, initLine) => {
  const path = require('node:path') as typeof import('node:path');
  const codeCache = require('./code-cache.cjs') as typeof import('./code-cache.cjs');
  const bundle = { exports: {} as { runAgentSession: AgentSession } };
  codeCache.runBundle(path.join(__dirname, 'lfs-lazy.bundle.cjs'), { module: bundle, require, filename: path.join(__dirname, 'lfs-lazy.cjs'), dirname: __dirname });
  return bundle.exports.runAgentSession(io, input, initLine);
};

fastStart.startAgent(io, sessionFromBundle).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    const { reportFailure } = await import('./report-failure.js');
    process.exitCode = reportFailure(err, io, 'agent');
  },
);
