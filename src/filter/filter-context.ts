// What the filters need of a repository, opened so that a lazy checkout does no more than it must:
// the settings (and with them the AWS SDK and any S3 config) are needed only to fetch, so a clone
// that leaves pointers neither loads the SDK nor fails over a missing or broken storage config.
import type { Writable } from 'node:stream';
import { HydrationPolicy } from '../hydration/hydration-policy.js';
import type { Logger } from '../log/logger.js';
import { startRepositoryContext, type RepositoryContext } from '../repository/context.js';
import { Smudger } from './smudge.js';
import { pathToBytes } from '../util/path-bytes.js';
import { pathQuoter, type PathQuoter } from '../util/quote-path.js';

export interface FilterContext extends RepositoryContext {
  // How report lines name a path (quoted as git quotes it, core.quotePath).
  show: PathQuoter;
  smudger: Smudger;
}

// The repository context with the filters' own parts: the smudge decisions and how they are reported.
export function withFilter(repository: RepositoryContext, report: (line: string) => void): FilterContext {
  const { paths, env, logger } = repository;
  const show = pathQuoter(paths.config);
  let policy: Promise<Pick<HydrationPolicy, 'decide' | 'wasDehydrated' | 'selectsAny'>> | undefined;
  const smudger = new Smudger({
    local: repository.local,
    readCache: repository.readCache,
    logger,
    report,
    show,
    remote: () => repository.remote(),
    // Loaded on the first pointer, not at start: by then a clone has usually written .lfslazyconfig.
    // Loaded once per process, so each ignored pattern is reported once.
    policy: () =>
      (policy ??= HydrationPolicy.load(paths, env).then(reportProblems(report), (err: unknown) => {
        // Select nothing rather than fail the checkout: local objects still give content.
        report(`lfs-lazy: cannot read the hydrated set, fetching nothing: ${(err as Error).message}`);
        return { decide: () => 'unset' as const, wasDehydrated: () => false, selectsAny: false };
      })),
  });
  return { ...repository, show, smudger };
}

export async function openFilterContext(options: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  report: (line: string) => void;
}): Promise<FilterContext> {
  const { context } = startRepositoryContext(options.cwd, { env: options.env, logger: options.logger });
  return withFilter(await context, options.report);
}

// A pattern git cannot match with is ignored, never a reason to fail a checkout; the user hears of it.
function reportProblems(report: (line: string) => void): (policy: HydrationPolicy) => HydrationPolicy {
  return (policy) => {
    for (const problem of policy.problems) report(`lfs-lazy: ${problem}`);
    return policy;
  };
}

// For the filter commands: a logger usable at once (its file and level settle once the settings
// are read), user-facing lines on stderr, and the context opening in the background.
export function startFilterContext(io: { cwd: string; env: NodeJS.ProcessEnv; stderr: Writable }, name: string): {
  logger: Logger;
  report: (line: string) => void;
  context: Promise<FilterContext>;
} {
  const { logger, context } = startRepositoryContext(io.cwd, { env: io.env, log: { name } });
  const report = (line: string): void => void io.stderr.write(pathToBytes(`${line}\n`));
  const filterContext = context.then((repository) => withFilter(repository, report));
  // Awaited by the first request; a session that ends before one must not leave it unhandled.
  filterContext.catch(() => undefined);
  return { logger, report, context: filterContext };
}
