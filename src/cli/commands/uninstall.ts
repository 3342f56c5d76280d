import type { Command } from '../command.js';
import { parseOptions } from '../parse-options.js';
import { installEntries, type Scope } from '../../install/install-plan.js';
import { removeEntry } from '../../install/git-config-io.js';
import { installedPaths } from '../../install/paths.js';
import { LfsLazyError } from '../../errors/index.js';

const usage = [
  'usage: lfs-lazy uninstall [--local | --global]',
  '',
  'Removes the git config keys lfs-lazy install wrote, where they still hold the values it wrote,',
  'and puts back the values install replaced (git-lfs\'s own filter commands).',
  'git-lfs itself, its hooks and the committed storage config are left in place (the pre-push hook',
  'install wrote runs plain `git lfs pre-push` once lfs-lazy is no longer the filter).',
].join('\n');

export const command: Command = {
  summary: 'remove exactly what install wrote',
  usage,
  async run(args, io) {
    const { values } = parseOptions(args, { local: { type: 'boolean' }, global: { type: 'boolean' } }, usage);
    if (values.local && values.global) throw new LfsLazyError('choose one of --local and --global');
    const scope: Scope = values.local ? 'local' : 'global';
    let removed = 0;
    for (const entry of installEntries(installedPaths())) {
      if (await removeEntry(scope, entry, io.cwd)) removed++;
    }
    io.stdout.write(removed === 0 ? `lfs-lazy was not installed (${scope})\n` : `lfs-lazy uninstalled (${scope}): ${removed} git config keys removed\n`);
    return 0;
  },
};
