// Node prints every process warning on stderr by default. The ones an lfs-lazy process can meet are
// meant for developers, not for its users: the AWS SDK's NodeVersionSupportWarning (six lines, on
// every command that opens the store, on Node < 22), and would land in the middle of `git clone`'s
// output when the filter fetches. They go to stderr only when asked for with LFS_LAZY_LOG_LEVEL=debug,
// one line each. CommonJS and built-ins only: the agent's entry point (agent-main.cts) loads it too.
function quietRuntimeWarnings(env: NodeJS.ProcessEnv): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error) => {
    if (env['LFS_LAZY_LOG_LEVEL'] !== 'debug') return;
    process.stderr.write(`lfs-lazy: (debug) runtime warning ${warning.name}: ${warning.message.replace(/\s+/g, ' ').trim()}\n`);
  });
}

export = { quietRuntimeWarnings };
