import type { Command } from '../command.js';
import { LfsLazyError } from '../../errors/index.js';

export const command: Command = {
  summary: "git's long-running filter for the lfs driver (started by git)",
  usage: 'usage: lfs-lazy filter-process',
  async run() {
    throw new LfsLazyError('filter-process is not implemented yet');
  },
};
