import type { Logger } from '../log/logger.js';
import type { RepositoryPaths } from '../git/repository-paths.js';
import type { ObjectStore } from '../store/object-store.js';
import { loadSettings } from './load-settings.js';
import { requireUrl, type ResolvedSettings } from './settings.js';

// Opens the store a repository is configured for. The store module (and with it the AWS SDK) is
// imported here, on first use, never at start-up.
export async function openConfiguredStore(
  paths: RepositoryPaths,
  logger: Logger,
  resolved?: ResolvedSettings,
): Promise<ObjectStore> {
  const { settings, sdkEnvironment } = resolved ?? (await loadSettings(paths, process.env));
  const url = requireUrl({ settings, sources: {}, sdkEnvironment });
  const { openStore } = await import('../store/open-store.js');
  return openStore(url, {
    ...(settings.endpoint !== undefined && { endpoint: settings.endpoint }),
    ...(settings.region !== undefined && { region: settings.region }),
    ...(settings.forcePathStyle !== undefined && { forcePathStyle: settings.forcePathStyle }),
    ...(settings.checksum !== undefined && { checksum: settings.checksum }),
    ...(settings.profile !== undefined && { profile: settings.profile }),
    ...(settings.maxAttempts !== undefined && { maxAttempts: settings.maxAttempts }),
    ...(settings.connectTimeoutMs !== undefined && { connectTimeoutMs: settings.connectTimeoutMs }),
    ...(settings.idleTimeoutMs !== undefined && { idleTimeoutMs: settings.idleTimeoutMs }),
    sdkEnvironment,
    logger,
  });
}
