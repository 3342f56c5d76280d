// Dispatch of `lfs-lazy <command>` over a table of commands, each loaded on demand: run.ts gives it
// every command; the bundle of one command (scripts/bundle.mjs, commandBundles) gives it that one.
import type { Command, CommandIO } from './command.js';
import { reportFailure } from './report-failure.js';

export type CommandTable = Record<string, () => Promise<{ command: Command }>>;

const VERSION = '0.1.0';

async function usage(commands: CommandTable, io: CommandIO): Promise<void> {
  const lines = ['usage: lfs-lazy <command> [options]', '', 'commands:'];
  for (const [name, load] of Object.entries(commands)) {
    const { command } = await load();
    lines.push(`  ${name.padEnd(16)}${command.summary}`);
  }
  lines.push('', 'lfs-lazy <command> --help shows the options of a command.');
  io.stdout.write(lines.join('\n') + '\n');
}

export function dispatcher(commands: CommandTable): (argv: string[], io: CommandIO) => Promise<number> {
  return async (argv, io) => {
    const [name, ...args] = argv;
    if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
      await usage(commands, io);
      return name === undefined ? 1 : 0;
    }
    if (name === 'version' || name === '--version' || name === '-v') {
      io.stdout.write(`lfs-lazy ${VERSION} (node ${process.version})\n`);
      return 0;
    }
    const load = Object.hasOwn(commands, name) ? commands[name] : undefined;
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
  };
}
