import type { Command } from '../command.js';
import { LfsLazyError } from '../../errors/index.js';

export const command: Command = {
  summary: 'fetch and materialise the content of these paths; they stay hydrated',
  usage: 'usage: lfs-lazy hydrate',
  async run() {
    throw new LfsLazyError('hydrate is not implemented yet');
  },
};
