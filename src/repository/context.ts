import type { Logger } from '../log/logger.js';
import { silentLogger } from '../log/logger.js';
import { resolveRepositoryPaths, type RepositoryPaths } from '../git/repository-paths.js';
import { loadSettings } from '../config/load-settings.js';
import type { ResolvedSettings } from '../config/settings.js';
import { openConfiguredStore } from '../config/configured-store.js';
import { LocalObjectStore } from '../local/local-object-store.js';
import { openReadCache } from '../local/read-cache.js';
import type { ObjectStore } from '../store/object-store.js';

// Everything a command needs about one repository, resolved once. The remote store (and the AWS
// SDK behind it) is opened only when something actually has to be fetched or checked remotely.
export interface RepositoryContext {
  paths: RepositoryPaths;
  resolved: ResolvedSettings;
  local: LocalObjectStore;
  // Objects fetched only to be read (local/read-cache.ts).
  readCache: LocalObjectStore;
  logger: Logger;
  remote(): Promise<ObjectStore>;
  close(): void;
}

export async function openRepositoryContext(
  cwd: string,
  options: { env?: NodeJS.ProcessEnv; logger?: Logger } = {},
): Promise<RepositoryContext> {
  const paths = await resolveRepositoryPaths(cwd);
  const resolved = await loadSettings(paths, options.env ?? process.env);
  const logger = options.logger ?? silentLogger;
  let remote: Promise<ObjectStore> | undefined;
  return {
    paths,
    resolved,
    local: new LocalObjectStore(paths.objectsDir, paths.tmpDir),
    readCache: openReadCache(paths.commonDir),
    logger,
    remote() {
      remote ??= openConfiguredStore(paths, logger, resolved);
      // A failed open (bad config) is reported to every caller, and retried by none.
      return remote;
    },
    close() {
      void remote?.then((store) => store.close(), () => undefined);
    },
  };
}
