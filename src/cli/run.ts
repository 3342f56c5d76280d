import type { Command, CommandIO } from './command.js';
import { reportFailure } from './report-failure.js';

// The command table and dispatch. Command modules load on demand so that `agent` and `filter-process` start without paying for
// the others (git-lfs waits for each agent's init reply before starting the next one).
const commands: Record<string, () => Promise<{ command: Command }>> = {
  agent: () => import('./commands/agent.js'),
  install: () => import('./commands/install.js'),
  uninstall: () => import('./commands/uninstall.js'),
  'filter-process': () => import('./commands/filter-process.js'),
  clean: () => import('./commands/clean.js'),
  smudge: () => import('./commands/smudge.js'),
  hydrate: () => import('./commands/hydrate.js'),
  dehydrate: () => import('./commands/dehydrate.js'),
  status: () => import('./commands/status.js'),
  cat: () => import('./commands/cat.js'),
  path: () => import('./commands/path.js'),
  'prune-cache': () => import('./commands/prune-cache.js'),
  'pre-push': () => import('./commands/pre-push.js'),
  serve: () => import('./commands/serve.js'),
  doctor: () => import('./commands/doctor.js'),
  'merge-driver': () => import('./commands/merge-driver.js'),
  diff: () => import('./commands/diff.js'),
  fingerprint: () => import('./commands/fingerprint.js'),
  manifest: () => import('./commands/manifest.js'),
  'verify-manifest': () => import('./commands/verify-manifest.js'),
};

const VERSION = '0.1.0';

async function usage(io: CommandIO): Promise<void> {
  const lines = ['usage: lfs-lazy <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(16)}${command.summary}`);
  }
  lines.push('', 'lfs-lazy <command> --help shows the options of a command.');
  io.stdout.write(lines.join('\n') + '\n');
}

export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    await usage(io);
    return name === undefined ? 1 : 0;
  }
  if (name === 'version' || name === '--version' || name === '-v') {
    io.stdout.write(`lfs-lazy ${VERSION} (node ${process.version})\n`);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    io.stderr.write(`lfs-lazy: unknown command "${name}"; run lfs-lazy --help for the list\n`);
    return 64;
  }
  const { command } = await load();
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    return reportFailure(err, io, name);
  }
}
