import type { Command } from '../command.js';
import { startRepositoryContext } from '../../repository/context.js';
import { cleanContent } from '../../filter/clean.js';

export const command: Command = {
  summary: 'single-file clean filter: content on stdin, pointer on stdout',
  usage: [
    'usage: lfs-lazy clean [-- <path>]',
    '',
    'filter.lfs.clean, for git without the long-running filter: stores the content of stdin in the',
    'LFS object store and writes its pointer to stdout (a pointer on stdin is written back unchanged).',
  ].join('\n'),
  async run(_args, io) {
    // Like the long-running filter's clean: the local store only, never the settings.
    const { local } = await startRepositoryContext(io.cwd, { env: io.env }).context;
    const pointer = await cleanContent(io.stdin, local);
    await new Promise<void>((resolve, reject) => io.stdout.write(pointer, (err) => (err ? reject(err) : resolve())));
    return 0;
  },
};
