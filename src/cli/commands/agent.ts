import { mkdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command, CommandIO } from '../command.js';
import { decodeRequest } from '../../protocol/transfer-messages.js';
import { startRepositoryContext } from '../../repository/context.js';
import { runAgent } from '../../transfer/agent.js';
import { ownerToken, sweepStaleTempsOnce } from '../../util/temp-files.js';

export const command: Command = {
  summary: 'the custom transfer agent git-lfs starts (never run by hand)',
  usage: [
    'usage: lfs-lazy agent',
    '',
    'Speaks the git-lfs custom transfer protocol on stdin/stdout. git-lfs starts it after',
    '`lfs-lazy install`; logs go to stderr (visible with GIT_TRACE=1) or to lfs-lazy.logfile.',
  ].join('\n'),
  run: (_args, io) => runAgentCommand(io, io.stdin),
};

// `initLine`: the init request agent-fast-start.cts has already answered, if any.
export async function runAgentCommand(io: CommandIO, input: AsyncIterable<Buffer | string>, initLine?: string): Promise<number> {
  // Started at once but awaited only by the first transfer: `init` is answered before any of it.
  const { logger, context } = startRepositoryContext(io.cwd, { env: io.env, log: { name: 'lfs-lazy-agent' } });
  let tempDir: string | undefined;
  const answered = initLine === undefined ? undefined : decodeRequest(initLine);
  await runAgent({
    input,
    ...(answered?.event === 'init' && { answeredInit: answered }),
    output: io.stdout,
    logger,
    openStore: async () => (await context).remote(),
    tempDirFor: async () => {
      const { paths } = await context;
      // Same filesystem as the object store: git-lfs only renames the file we report. Named with
      // an owner token: what a killed agent leaves there is removed by the next one (or hydrate).
      if (tempDir === undefined) {
        await sweepStaleTempsOnce(paths.tmpDir);
        tempDir = join(paths.tmpDir, ownerToken());
      }
      await mkdir(tempDir, { recursive: true, mode: 0o700 });
      return tempDir;
    },
  });
  // Only once empty: git-lfs renames each reported file away, and anything still there after
  // terminate is left for git-lfs's own tmp cleanup rather than deleted under its feet.
  if (tempDir) await rmdir(tempDir).catch(() => undefined);
  return 0;
}
