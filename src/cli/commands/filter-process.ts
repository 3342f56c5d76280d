import type { Command } from '../command.js';
import { LfsLazyError } from '../../errors/index.js';
import { startFilterContext } from '../../filter/filter-context.js';
import { runFilterSession } from '../../filter/filter-session.js';
import { ensureLfsHooks, knownHooksDir } from '../../install/hooks.js';

export const command: Command = {
  summary: "git's long-running filter for the lfs driver (started by git)",
  usage: [
    'usage: lfs-lazy filter-process',
    '',
    "Speaks git's long-running filter protocol on stdin/stdout (filter.lfs.process, written by",
    '`lfs-lazy install`). Clean stores content in the LFS object store and writes its pointer, as',
    'git-lfs does; smudge leaves pointers in the working tree except for hydrated paths:',
    "  lfs-lazy hydrate <paths>            the clone's own hydrated set",
    '  hydrate = <pattern> in .lfslazyconfig committed defaults, under [lfs-lazy], one per line',
    "  LFS_LAZY_HYDRATE='data/*,*.json'    for one command, e.g. LFS_LAZY_HYDRATE='*' git clone …",
    'A failed fetch leaves the pointer and is reported on stderr; logs go to lfs-lazy.logfile.',
  ].join('\n'),
  async run(_args, io) {
    const { logger, report, context } = startFilterContext(io, 'lfs-lazy-filter');
    try {
      await runFilterSession({
        input: io.stdin,
        output: io.stdout,
        context,
        logger,
        report,
        // Clones made after a global install have no pre-push hook yet; git-lfs's own filter
        // installs it on first use, so ours does too, never failing the filter. It runs while git
        // goes on, but git cannot finish the checkout before it is done (the first answer, or the
        // first path delayed, waits for it: set-up-gate.ts): `git lfs update` also writes
        // post-checkout, and git exec'ing the hook while it is still being written fails the
        // clone with ETXTBSY ("Text file busy"). A `git lfs update` that hangs must not hang the
        // checkout: after HOOKS_WAIT_MS the answers go out anyway.
        onHandshake: () =>
          withTimeout(
            context.then((c) => ensureLfsHooks(io.cwd, knownHooksDir(c.paths))),
            HOOKS_WAIT_MS,
          ).catch((err: unknown) => logger.debug({ err }, 'could not install the git-lfs hooks')),
      });
    } finally {
      (await context.catch(() => undefined))?.close();
      // git waits for this process to answer each request, or to exit: once the session is over
      // (git closed the pipe, or the stream broke beyond repair) nothing may keep it alive. A
      // broken session leaves a read of stdin pending, which alone would keep it running while git
      // waits: stop reading. Should anything else still hold it (a hook being installed, a socket),
      // it exits all the same after a grace period.
      io.stdin.destroy();
      setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
    }
    return 0;
  },
};

const EXIT_GRACE_MS = 2_000;

const HOOKS_WAIT_MS = 10_000;

function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new LfsLazyError(`gave up waiting after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
