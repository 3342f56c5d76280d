import type { Command } from '../command.js';
import { parseOptions, stringOption } from '../parse-options.js';
import { openRepositoryContext } from '../../repository/context.js';
import { chooseStrategy, runMergeDriver, STRATEGY_CONFIG_KEY, STRATEGY_ENV } from '../../labelmap/merge-driver.js';
import { LfsLazyError } from '../../errors/index.js';

const usage = [
  'usage: lfs-lazy merge-driver [--strategy conflict|ours|theirs] <base> <ours> <theirs> [<path>]',
  '',
  'The git merge driver `lfs-json` for LFS-tracked JSON label maps (lfs-lazy install registers it;',
  'select it in .gitattributes with merge=lfs-json). git runs it as `merge-driver %O %A %B %P`.',
  'Merges key by key: a key added, removed or changed on one side only is taken, the same change on',
  'both sides is taken once, different changes to one key conflict. The merged map is stored as a',
  'new LFS object and its pointer written to <ours>.',
  '',
  'On conflicts it exits 1, leaves <ours> as it was, and writes a report (key, base, ours, theirs)',
  'to .git/lfs-lazy/conflicts/<path>.json. A strategy resolves them instead:',
  `  --strategy S    conflict (default), ours or theirs; also ${STRATEGY_ENV} or git config ${STRATEGY_CONFIG_KEY}`,
  'Input that is not a JSON object is left to git as an ordinary conflict (ours kept).',
  'See docs/label-maps.md.',
].join('\n');

export const command: Command = {
  summary: 'git merge driver: key-level merge of LFS-tracked JSON label maps',
  usage,
  async run(args, io) {
    const { values, positionals } = parseOptions(args, { strategy: { type: 'string' } }, usage);
    const [base, ours, theirs, path] = positionals;
    if (base === undefined || ours === undefined || theirs === undefined || positionals.length > 4) {
      throw new LfsLazyError(`expected <base> <ours> <theirs> [<path>]\n${usage}`);
    }
    const ctx = await openRepositoryContext(io.cwd, { env: io.env, log: { name: 'lfs-lazy merge-driver' } });
    try {
      const strategy = chooseStrategy(stringOption(values, 'strategy'), io.env, ctx.paths.config);
      const outcome = await runMergeDriver(ctx, { base, ours, theirs, path: path ?? ours, strategy });
      if (outcome.message) io.stderr.write(`lfs-lazy merge-driver: ${outcome.message}\n`);
      return outcome.code;
    } finally {
      ctx.close();
    }
  },
};
