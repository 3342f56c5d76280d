import type { Command } from '../command.js';
import { LfsLazyError } from '../../errors/index.js';

export const command: Command = {
  summary: 'turn unmodified hydrated files back into pointers',
  usage: 'usage: lfs-lazy dehydrate',
  async run() {
    throw new LfsLazyError('dehydrate is not implemented yet');
  },
};
