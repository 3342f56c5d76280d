// What the filters need of a repository, opened so that a lazy checkout does no more than it must:
// the settings (and with them the AWS SDK and any S3 config) are needed only to fetch, so a clone
// that leaves pointers neither loads the SDK nor fails over a missing or broken storage config.
import type { Writable } from 'node:stream';
import { loadSettings } from '../config/load-settings.js';
import { openConfiguredStore } from '../config/configured-store.js';
import type { ResolvedSettings } from '../config/settings.js';
import { resolveRepositoryPaths, type RepositoryPaths } from '../git/repository-paths.js';
import { HydrationPolicy } from '../hydration/hydration-policy.js';
import { LocalObjectStore } from '../local/local-object-store.js';
import { openReadCache } from '../local/read-cache.js';
import { createDeferredLogger, type Logger } from '../log/logger.js';
import type { ObjectStore } from '../store/object-store.js';
import { Smudger } from './smudge.js';
import { pathToBytes } from '../util/path-bytes.js';
import { pathQuoter, type PathQuoter } from '../util/quote-path.js';

export interface FilterContext {
  // paths.worktree: the working tree's root, when there is one.
  paths: RepositoryPaths;
  // How report lines name a path (quoted as git quotes it, core.quotePath).
  show: PathQuoter;
  local: LocalObjectStore;
  smudger: Smudger;
  // Rejects on a broken config; only a fetch (or the logger) waits for it.
  settings: Promise<ResolvedSettings>;
  close(): void;
}

export async function openFilterContext(options: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  report: (line: string) => void;
}): Promise<FilterContext> {
  const { cwd, env, logger, report } = options;
  const paths = await resolveRepositoryPaths(cwd);
  const local = new LocalObjectStore(paths.objectsDir, paths.tmpDir);
  const show = pathQuoter(paths.config);
  const settings = loadSettings(paths, env);
  settings.catch(() => undefined); // reported by the fetch that needs it, not as an unhandled rejection
  let store: Promise<ObjectStore> | undefined;
  let policy: Promise<Pick<HydrationPolicy, 'decide'>> | undefined;
  const smudger = new Smudger({
    local,
    readCache: openReadCache(paths.commonDir),
    logger,
    report,
    show,
    remote: () => (store ??= settings.then((resolved) => openConfiguredStore(paths, logger, resolved))),
    // Loaded on the first pointer, not at start: by then a clone has usually written .lfslazyconfig.
    // Loaded once per process, so each ignored pattern is reported once.
    policy: () =>
      (policy ??= HydrationPolicy.load(paths, env).then(reportProblems(report), (err: unknown) => {
        // Select nothing rather than fail the checkout: local objects still give content.
        report(`lfs-lazy: cannot read the hydrated set, fetching nothing: ${(err as Error).message}`);
        return { decide: () => 'unset' as const };
      })),
  });
  return {
    paths,
    show,
    local,
    smudger,
    settings,
    close() {
      void store?.then((s) => s.close(), () => undefined);
    },
  };
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
  const { logger, settle } = createDeferredLogger(name);
  const report = (line: string): void => void io.stderr.write(pathToBytes(`${line}\n`));
  const context = openFilterContext({ cwd: io.cwd, env: io.env, logger, report });
  context
    .then((c) => c.settings)
    .then(
      ({ settings }) => settle({ level: settings.logLevel, file: settings.logFile }),
      () => settle({}),
    );
  return { logger, report, context };
}
