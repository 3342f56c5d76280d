import type { Command } from '../command.js';
import { runChecks } from '../../doctor/checks.js';

export const command: Command = {
  summary: 'check git, git-lfs, the config, credentials and the bucket, and say how to fix what fails',
  usage: 'usage: lfs-lazy doctor\n\nOne line per check; a failing check says how to fix it. Exit code 1 when any check fails.',
  async run(_args, io) {
    const ok = await runChecks({ cwd: io.cwd, env: io.env }, (result) => {
      const line = `${result.ok ? 'ok  ' : 'FAIL'} ${result.name.padEnd(12)} ${result.detail}`;
      io.stdout.write(result.fix && !result.ok ? `${line}\n     ${''.padEnd(12)} fix: ${result.fix}\n` : `${line}\n`);
    });
    return ok ? 0 : 1;
  },
};
