import { createReadStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from '../command.js';
import { startFilterContext } from '../../filter/filter-context.js';
import { readHead } from '../../filter/content-head.js';
import { MAX_POINTER_SIZE } from '../../protocol/pointer.js';

export const command: Command = {
  summary: 'single-file smudge filter: pointer on stdin, pointer or content on stdout',
  usage: [
    'usage: lfs-lazy smudge [-- <path>]',
    '',
    'filter.lfs.smudge, for git without the long-running filter: writes the blob on stdin back',
    'unchanged, unless <path> is hydrated (see lfs-lazy filter-process --help); then its content,',
    'fetched now if it is not local. A failed fetch writes the pointer and reports on stderr.',
  ].join('\n'),
  async run(args, io) {
    const pathname = args[args.indexOf('--') + 1] ?? ''; // `smudge -- <path>`, or just `smudge <path>`
    const { head, complete, all } = await readHead(io.stdin, MAX_POINTER_SIZE);
    // Too large for a pointer: pass it through as it streams in.
    if (!complete) return copy(all, io.stdout);
    const { context } = startFilterContext(io, 'lfs-lazy-smudge');
    const { smudger, close } = await context;
    try {
      const result = await smudger.smudge(pathname, head);
      if ('bytes' in result) return await copy([result.bytes], io.stdout);
      return await copy(createReadStream(result.objectPath), io.stdout);
    } finally {
      close();
    }
  },
};

async function copy(source: Readable | AsyncIterable<Uint8Array> | Uint8Array[], stdout: Writable): Promise<number> {
  // end: false — process.stdout must not be ended by us.
  await pipeline(source as AsyncIterable<Uint8Array>, stdout, { end: false });
  return 0;
}
