import type { Command } from '../command.js';
import { openForReads, parseReadOptions, runBatch } from '../batch-command.js';
import { copyOut, watchOutput } from '../batch-output.js';

const usage = [
  'usage: lfs-lazy cat [--rev REV] <path>...',
  '       lfs-lazy cat --batch [-z] [-j N] [--json] [--rev REV]',
  '',
  'Writes the real content of each file to stdout, in order: LFS objects are read from the local',
  'store or fetched on demand, ordinary files from the working tree. The working tree is not touched.',
  'Stops at the first file that cannot be read.',
  '',
  '  --rev REV   read the files as commit REV has them (a branch, tag, id, HEAD~2), from git and the',
  '              object store, without a checkout',
  '  --batch     read paths from stdin, one per line, and answer each in order as soon as it is',
  '              ready, like git cat-file --batch: "<path> <size>\\n<bytes>\\n", or one line',
  '              "<path> error <message>\\n" for a file that cannot be read (the batch goes on)',
  '  -z          with --batch: paths separated by NUL, and NUL instead of each \\n of the answers',
  '  -j N        with --batch: fetch up to N files ahead of the answer being written (default 8)',
  '  --json      with --batch: each answer header is one JSON line, {"path","size","localPath"}',
  '              (then the bytes and \\n) or {"path","error"}',
  '',
  'Paths are echoed as the bytes they came as. See docs/training.md.',
].join('\n');

export const command: Command = {
  summary: 'stream the real content of files to stdout, fetching on demand',
  usage,
  async run(args, io) {
    const options = parseReadOptions(args, usage);
    const { rev, positionals } = options;
    const { repo, batch } = await openForReads(options, io);
    try {
      if (batch) return await runBatch('cat', repo, batch, rev, io);
      const out = watchOutput(io.stdout);
      try {
        for (const path of positionals) {
          if ((await copyOut(repo.createReadStream(path, { rev }), out)) === undefined) break;
        }
      } finally {
        out.release();
      }
    } finally {
      repo.close();
    }
    // A reader that went away (`| head`) is a normal end, not a failure.
    return 0;
  },
};
