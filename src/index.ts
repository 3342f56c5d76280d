// The library's public entry point (package.json "exports"): re-exports only.
export { openRepository } from './api/repository.js';
export type { OpenRepositoryOptions, ReadOptions, ReadStreamOptions, Repository } from './api/repository.js';
export type { FailedFile, HydrateOptions, HydrateProgress, HydrateReport, SkippedFile } from './hydration/hydrate.js';
export type { FileState, FileStatus, StatusOptions, StatusReport, StatusTotals } from './hydration/status.js';
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
export type { DatasetManifest, ManifestOptions } from './dataset/manifest.js';
export { bytesToPath, pathToBytes } from './util/path-bytes.js';
