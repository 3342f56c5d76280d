// One repository as every entry point sees it — the CLI commands, the filter, the agent, the
// library: its paths, its settings, its local stores, its remote store and a logger, assembled in
// one place and lazily. The settings are read once, when first asked for; the remote store (and
// with it the AWS SDK) is opened on the first fetch, so work that needs no store never fails over
// a broken storage config.
import { loadSettings } from '../config/load-settings.js';
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import { environmentLogSettings, type ResolvedSettings, type Settings } from '../config/settings.js';
import { resolveRepositoryPaths, type RepositoryPaths } from '../git/repository-paths.js';
import { LocalObjectStore } from '../local/local-object-store.js';
import { defaultCacheBudget } from '../local/read-cache-budget.js';
import { openReadCache, type ReadCache } from '../local/read-cache.js';
import { createDeferredLogger, silentLogger, type Logger, type LoggerOptions } from '../log/logger.js';
import type { ObjectStore } from '../store/object-store.js';
import { openConfiguredStore } from '../store/open-store.js';

export interface RepositoryContext {
  readonly paths: RepositoryPaths;
  // What the settings (and LFS_LAZY_HYDRATE) are read from.
  readonly env: NodeJS.ProcessEnv;
  // git-lfs's object store (.git/lfs/objects).
  readonly local: LocalObjectStore;
  // Objects fetched only to be read (local/read-cache.ts), within lfs-lazy.cachesize.
  readonly readCache: ReadCache;
  readonly logger: Logger;
  // Read on the first call and kept; a broken config rejects every caller.
  settings(): Promise<ResolvedSettings>;
  // Opened on the first call and kept; a failed open (bad config) is reported to every caller, and
  // retried by none.
  remote(): Promise<ObjectStore>;
  close(): void;
}

export interface RepositoryContextOptions {
  // Defaults to this process's environment.
  env?: NodeJS.ProcessEnv;
  // A logger to use as it is (the library's caller's); without one or `log`, nothing is logged.
  logger?: Logger;
  // Or a logger made here, whose lines are held until the settings say where they go
  // (lfs-lazy.logfile, else stderr; lfs-lazy.loglevel, else warn). `quiet`: nothing on stderr
  // without a configured level, for commands whose stderr is the user's.
  log?: { name: string; quiet?: boolean };
}

// Returns at once, with a logger usable now; nothing waits for the settings but what needs them.
// For the agent and the filters: they answer their peer before reading anything, and must not fail
// over the storage config before they are asked to fetch.
export function startRepositoryContext(
  cwd: string,
  options: RepositoryContextOptions = {},
): { logger: Logger; context: Promise<RepositoryContext> } {
  const env = options.env ?? process.env;
  if (options.logger !== undefined || options.log === undefined) {
    const logger = options.logger ?? silentLogger;
    return { logger, context: resolveRepositoryPaths(cwd).then((paths) => assemble(paths, env, logger)) };
  }
  const { quiet = false } = options.log;
  const { logger, settle } = createDeferredLogger(options.log.name);
  const settleTo = (values: Pick<Settings, 'logFile' | 'logLevel'>): void => settleSafely(settle, logTarget(values, quiet));
  const fromEnvironment = (): void => settleTo(environmentLogSettings(env));
  const context = resolveRepositoryPaths(cwd).then((paths) => {
    const assembled = assemble(paths, env, logger);
    // Started now, not when first needed: the logger's lines wait for them.
    assembled.settings().then(({ settings }) => settleTo(settings), fromEnvironment);
    return assembled;
  });
  context.catch(fromEnvironment);
  return { logger, context };
}

// For the commands and the library: the settings are read before it returns, so a broken config
// is reported up front, in one line, rather than half-way through the work.
export async function openRepositoryContext(cwd: string, options: RepositoryContextOptions = {}): Promise<RepositoryContext> {
  const context = await startRepositoryContext(cwd, options).context;
  await context.settings();
  return context;
}

function assemble(paths: RepositoryPaths, env: NodeJS.ProcessEnv, logger: Logger): RepositoryContext {
  let settings: Promise<ResolvedSettings> | undefined;
  let remote: Promise<ObjectStore> | undefined;
  let cacheBudget: Promise<number> | undefined;
  const context: RepositoryContext = {
    paths,
    env,
    local: new LocalObjectStore(paths.objectsDir, paths.tmpDir),
    // Asked after every fetch into the read cache: worked out once (the default is a share of the
    // filesystem, a statfs each time otherwise). A config that cannot be read fails the fetch before
    // this is asked: the default is a fallback only.
    readCache: openReadCache(paths.commonDir, () =>
      (cacheBudget ??= context.settings().then(
        ({ settings }) => settings.cacheSize ?? defaultCacheBudget(paths.commonDir),
        () => defaultCacheBudget(paths.commonDir),
      )),
    ),
    logger,
    settings() {
      if (settings === undefined) {
        settings = loadSettings(paths, env);
        // Reported to whoever needs them, never as an unhandled rejection.
        settings.catch(() => undefined);
      }
      return settings;
    },
    remote() {
      remote ??= context.settings().then((resolved) => openConfiguredStore(resolved, logger));
      return remote;
    },
    close() {
      void remote?.then((store) => store.close(), () => undefined);
    },
  };
  return context;
}

function logTarget({ logFile, logLevel }: Pick<Settings, 'logFile' | 'logLevel'>, quiet: boolean): LoggerOptions {
  return { file: logFile, level: logLevel ?? (logFile !== undefined || !quiet ? 'warn' : 'silent') };
}

// A level pino does not know (a typo in lfs-lazy.loglevel) must not take the process down once it
// is running: the logs still go where they were configured to, at warn.
function settleSafely(settle: (options: LoggerOptions) => void, target: LoggerOptions): void {
  try {
    settle(target);
  } catch {
    settle({ ...target, level: 'warn' });
  }
}

// The working tree's root, or why a command that works on files cannot run here: a bare
// repository, or the inside of .git (`cwd`: where the user ran it).
export function requireWorktree(ctx: Pick<RepositoryContext, 'paths'>, cwd: string = ctx.paths.gitDir): string {
  const { paths } = ctx;
  if (paths.worktree !== undefined) return paths.worktree;
  const why = paths.insideGitDir
    ? `${cwd} is inside the repository's .git directory; run this from its working tree`
    : `${paths.gitDir} is a bare repository: this command needs a working tree`;
  throw new LfsLazyError(why, { code: ErrorCode.BadRequest });
}
