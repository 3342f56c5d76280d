import type { Command } from '../command.js';
import { LfsLazyError } from '../../errors/index.js';

export const command: Command = {
  summary: 'print the absolute path of the verified local object of a file',
  usage: 'usage: lfs-lazy path',
  async run() {
    throw new LfsLazyError('path is not implemented yet');
  },
};
