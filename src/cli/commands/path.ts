import type { Command } from '../command.js';
import { openForReads, parseReadOptions, runBatch } from '../batch-command.js';
import { watchOutput, writeOut } from '../batch-output.js';
import { pathToBytes } from '../../util/path-bytes.js';

const usage = [
  'usage: lfs-lazy path [--rev REV] <path>...',
  '       lfs-lazy path --batch [-z] [-j N] [--json] [--rev REV]',
  '',
  "Prints the absolute path of each file's verified object in the local LFS store (or the read",
  'cache), one per line, fetching it first if needed (the working tree is not touched). For a file',
  "that is not in LFS, prints the working-tree file's absolute path. Stops at the first file that",
  'cannot be found or fetched.',
  '',
  '  --rev REV   the files as commit REV has them (a branch, tag, id, HEAD~2), without a checkout;',
  '              an ordinary file is copied into the read cache and that copy is printed',
  '  --batch     read paths from stdin, one per line, and answer each in order as soon as it is',
  '              ready: "<local path>\\n", or "<path> error <message>\\n" (the batch goes on)',
  '  -z          with --batch: paths separated by NUL, and answers ended by NUL',
  '  -j N        with --batch: fetch up to N files ahead of the answer being written (default 8)',
  '  --json      with --batch: one JSON line per answer, {"path","size","localPath"} or',
  '              {"path","error"}',
  '',
  'See docs/training.md.',
].join('\n');

export const command: Command = {
  summary: 'print the absolute path of the verified local object of a file',
  usage,
  async run(args, io) {
    const options = parseReadOptions(args, usage);
    const { rev, positionals } = options;
    const { repo, batch } = await openForReads(options, io);
    try {
      if (batch) return await runBatch('path', repo, batch, rev, io);
      const out = watchOutput(io.stdout);
      try {
        for (const path of positionals) {
          // For scripts ($(lfs-lazy path f)): the path's own bytes, unquoted, as git rev-parse prints one.
          if (!(await writeOut(out, pathToBytes(`${await repo.localPath(path, { rev })}\n`)))) break;
        }
      } finally {
        out.release();
      }
    } finally {
      repo.close();
    }
    return 0;
  },
};
