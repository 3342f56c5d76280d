import type { Command } from '../command.js';
import { resolveRepositoryPaths } from '../../git/repository-paths.js';
import { LocalObjectStore } from '../../local/local-object-store.js';
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
    const paths = await resolveRepositoryPaths(io.cwd);
    const pointer = await cleanContent(io.stdin, new LocalObjectStore(paths.objectsDir, paths.tmpDir));
    await new Promise<void>((resolve, reject) => io.stdout.write(pointer, (err) => (err ? reject(err) : resolve())));
    return 0;
  },
};
