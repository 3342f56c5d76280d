import type { Command } from '../command.js';
import { parseOptions } from '../parse-options.js';
import { openRepository } from '../../api/repository.js';
import { LfsLazyError } from '../../errors/index.js';
import { pathToBytes } from '../../util/path-bytes.js';

const usage = [
  'usage: lfs-lazy path <path>',
  '',
  "Prints the absolute path of the file's verified object in the local LFS store, fetching it",
  'first if needed (the working tree is not touched). For a file that is not in LFS, prints the',
  "working-tree file's absolute path.",
].join('\n');

export const command: Command = {
  summary: 'print the absolute path of the verified local object of a file',
  usage,
  async run(args, io) {
    const { positionals } = parseOptions(args, {}, usage);
    if (positionals.length !== 1) throw new LfsLazyError(`expected exactly one path\n${usage}`);
    const repo = await openRepository(io.cwd, { env: io.env });
    try {
      // For scripts ($(lfs-lazy path f)): the path's own bytes, unquoted, as git rev-parse prints one.
      io.stdout.write(pathToBytes(`${await repo.localPath(positionals[0]!)}\n`));
    } finally {
      repo.close();
    }
    return 0;
  },
};
