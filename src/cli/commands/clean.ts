import type { Command } from '../command.js';
import { LfsLazyError } from '../../errors/index.js';

export const command: Command = {
  summary: 'single-file clean filter: content on stdin, pointer on stdout',
  usage: 'usage: lfs-lazy clean',
  async run() {
    throw new LfsLazyError('clean is not implemented yet');
  },
};
