import type { Command } from '../command.js';
import { LfsLazyError } from '../../errors/index.js';

export const command: Command = {
  summary: 'per LFS path: state, size, local/remote presence',
  usage: 'usage: lfs-lazy status',
  async run() {
    throw new LfsLazyError('status is not implemented yet');
  },
};
