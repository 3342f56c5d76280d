// The library's public entry point (package.json "exports"): re-exports only.
export { openRepository } from './api/repository.js';
export type { OpenRepositoryOptions, ReadStreamOptions, Repository } from './api/repository.js';
export {
  AccessDeniedError,
  ConfigError,
  ErrorCode,
  IntegrityError,
  InvalidOidError,
  LfsLazyError,
  ObjectNotFoundError,
  StorageError,
} from './errors/index.js';
export type { Logger } from './log/logger.js';
