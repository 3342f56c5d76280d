import { join } from 'node:path';
import type { Command } from '../command.js';
import { parseOptions, stringOption } from '../parse-options.js';
import { git } from '../../git/git.js';
import { resolveRepositoryPaths } from '../../git/repository-paths.js';
import { installEntries, type Scope } from '../../install/install-plan.js';
import { writeEntry } from '../../install/git-config-io.js';
import { ensureLfsHooks } from '../../install/hooks.js';
import { installedPaths } from '../../install/paths.js';
import { COMMITTED_CONFIG_FILE, resolveSettings } from '../../config/settings.js';
import { parseStoreUrl } from '../../store/open-store.js';
import { LfsLazyError } from '../../errors/index.js';

const usage = [
  'usage: lfs-lazy install [--local | --global] [--url URL [--endpoint URL] [--region R]]',
  '',
  'Registers lfs-lazy as git-lfs\'s standalone transfer agent and as the filter of the `lfs` driver',
  '(global by default, like git lfs install; --local for this repository only), and installs',
  'git-lfs\'s hooks in the current repository.',
  `With --url, also writes the committed storage config ${COMMITTED_CONFIG_FILE} at the repository root:`,
  '  --url s3://bucket/prefix | file:///abs/dir   where objects live',
  '  --endpoint URL                              an S3-compatible endpoint (MinIO, R2, Ceph)',
  '  --region REGION',
  'Running it again changes nothing; lfs-lazy uninstall reverses it.',
].join('\n');

export const command: Command = {
  summary: 'one-time setup: register the transfer agent (and write the storage config with --url)',
  usage,
  async run(args, io) {
    const { values } = parseOptions(
      args,
      {
        local: { type: 'boolean' },
        global: { type: 'boolean' },
        url: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string' },
      },
      usage,
    );
    if (values.local && values.global) throw new LfsLazyError('choose one of --local and --global');
    const scope: Scope = values.local ? 'local' : 'global';
    const inRepo = (await git(['rev-parse', '--git-dir'], { cwd: io.cwd, okCodes: [128] })).code === 0;
    if (scope === 'local' && !inRepo) throw new LfsLazyError('--local needs to run inside a git repository');

    // Everything is checked before anything is written: a refused --url or --endpoint leaves no
    // half-done install behind.
    const url = stringOption(values, 'url');
    const storage: Array<[string, string]> = (
      [
        ['url', url],
        ['endpoint', stringOption(values, 'endpoint')],
        ['region', stringOption(values, 'region')],
      ] as Array<[string, string | undefined]>
    ).filter((entry): entry is [string, string] => entry[1] !== undefined);
    if (url === undefined && storage.length > 0) throw new LfsLazyError('--endpoint and --region go with --url (they are written to the storage config)');
    let worktree: string | undefined;
    if (url !== undefined) {
      parseStoreUrl(url);
      resolveSettings([{ source: 'the option for', values: new Map(storage) }]);
      worktree = (await resolveRepositoryPaths(io.cwd)).worktree;
      if (!worktree) throw new LfsLazyError('--url needs a repository with a working tree');
    }

    let changed = 0;
    for (const entry of installEntries(installedPaths())) {
      if (await writeEntry(scope, entry, io.cwd)) changed++;
    }
    // git-lfs's hooks (pre-push is what uploads on git push), only in the repository named by
    // --local or --url: a global install run from some directory leaves that repository alone.
    // Every other repository gets them from the filter, on its first checkout or `git add`.
    if (inRepo && (scope === 'local' || url !== undefined)) await ensureLfsHooks(io.cwd);
    io.stdout.write(
      changed === 0 ? `lfs-lazy is already installed (${scope})\n` : `lfs-lazy installed (${scope}): ${changed} git config keys written\n`,
    );

    if (worktree !== undefined) {
      const file = join(worktree, COMMITTED_CONFIG_FILE);
      for (const [key, value] of storage) await git(['config', '-f', file, `lfs-lazy.${key}`, value], { cwd: io.cwd });
      io.stdout.write(`wrote ${COMMITTED_CONFIG_FILE}: commit it so every clone uses the same storage\n`);
    }
    return 0;
  },
};
