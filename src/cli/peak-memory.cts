import fs = require('node:fs');

// Benchmarks measure the peak memory of every lfs-lazy process, including the agents and filters
// that git and git-lfs start where no wrapper can reach them: with LFS_LAZY_BENCH_RSS_FILE set,
// each appends one line on exit. CommonJS, like the agent's entry point (see agent-main.cts).
function reportPeakMemoryIfAsked(command: string): void {
  const file = process.env['LFS_LAZY_BENCH_RSS_FILE'];
  if (!file) return;
  process.on('exit', () => {
    const line = JSON.stringify({ command, pid: process.pid, maxRssKiB: process.resourceUsage().maxRSS });
    fs.appendFileSync(file, `${line}\n`);
  });
}

export = { reportPeakMemoryIfAsked };
