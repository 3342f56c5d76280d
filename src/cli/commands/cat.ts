import type { Command } from '../command.js';
import { LfsLazyError } from '../../errors/index.js';

export const command: Command = {
  summary: 'stream the real content of files to stdout, fetching on demand',
  usage: 'usage: lfs-lazy cat',
  async run() {
    throw new LfsLazyError('cat is not implemented yet');
  },
};
