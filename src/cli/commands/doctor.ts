import type { Command } from '../command.js';
import { runChecks } from '../../doctor/checks.js';

export const command: Command = {
  summary: 'check git, git-lfs, the config, credentials and the bucket, and say how to fix what fails',
  usage: 'usage: lfs-lazy doctor\n\nOne line per check; a failing check (FAIL) or a likely mistake (warn) says how to fix it.\nExit code 1 when any check fails.',
  async run(_args, io) {
    const ok = await runChecks({ cwd: io.cwd, env: io.env }, (result) => {
      const status = !result.ok ? 'FAIL' : result.warning ? 'warn' : 'ok  ';
      const line = `${status} ${result.name.padEnd(12)} ${result.detail}`;
      const showFix = result.fix && (!result.ok || result.warning);
      io.stdout.write(showFix ? `${line}\n     ${''.padEnd(12)} fix: ${result.fix}\n` : `${line}\n`);
    });
    return ok ? 0 : 1;
  },
};
