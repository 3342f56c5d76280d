import type { Command } from '../command.js';
import { LfsLazyError } from '../../errors/index.js';

export const command: Command = {
  summary: 'single-file smudge filter: pointer on stdin, pointer or content on stdout',
  usage: 'usage: lfs-lazy smudge',
  async run() {
    throw new LfsLazyError('smudge is not implemented yet');
  },
};
