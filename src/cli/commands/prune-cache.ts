import type { Command } from '../command.js';
import { parseOptions } from '../parse-options.js';
import { count, formatBytes } from '../progress-bar.js';
import { HANDOUT_GRACE_MS } from '../../local/read-cache.js';
import { openRepositoryContext } from '../../repository/context.js';

const usage = [
  'usage: lfs-lazy prune-cache [--all]',
  '',
  'Empties the read cache: the objects `cat`, `path`, the library and the read server fetched to',
  'read (<git common dir>/lfs-lazy/read-cache). Every one of them is in the bucket, so nothing is',
  `lost; a later read fetches again. Objects read in the last ${HANDOUT_GRACE_MS / 1000} s are kept (a reader may not`,
  'have opened a path `lfs-lazy path` just printed), unless --all. Hydrated files and git-lfs\'s',
  'store (.git/lfs/objects) are not touched. The cache also trims itself to lfs-lazy.cachesize.',
].join('\n');

export const command: Command = {
  summary: 'empty the read cache of on-demand reads',
  usage,
  async run(args, io) {
    const { values } = parseOptions(args, { all: { type: 'boolean' } }, usage);
    const ctx = await openRepositoryContext(io.cwd, { env: io.env, log: { name: 'lfs-lazy', quiet: true } });
    const result = await ctx.readCache.prune({ all: values.all === true });
    const freed = result.evicted.reduce((sum, o) => sum + o.size, 0);
    const kept = result.objects > 0 ? `; kept ${count(result.objects, 'object')} read in the last ${HANDOUT_GRACE_MS / 1000} s (${formatBytes(result.bytes)})` : '';
    io.stdout.write(`removed ${count(result.evicted.length, 'object')} (${formatBytes(freed)}) from the read cache${kept}\n`);
    return 0;
  },
};
