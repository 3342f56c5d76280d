import { ConfigError } from '../errors/index.js';
import { INTEGER_BOUNDS, parseBoolean, parseCacheSize, parseChecksum, parseEndpoint, parseInteger, parseLogLevel, type ChecksumMode } from './setting-values.js';
import { urlCarriesCredentials } from '../util/url-credentials.js';

export type { ChecksumMode };

// The committed, non-secret storage config: git-config syntax at the repository root. Not
// .lfsconfig: git-lfs warns on every run about keys it does not know.
export const COMMITTED_CONFIG_FILE = '.lfslazyconfig';

export interface Settings {
  url?: string;
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  checksum?: ChecksumMode;
  profile?: string;
  logFile?: string;
  logLevel?: string;
  // Retries and time-outs of store requests; defaults in the store (docs/configuration.md).
  maxAttempts?: number;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
  // The read cache's size budget in bytes (local/read-cache-budget.ts has the default).
  cacheSize?: number;
}

export type SettingKey = keyof Settings;

// One layer of configuration as found: key (lower-cased, without the section) → raw string.
export interface ConfigLayer {
  source: string;
  values: Map<string, string>;
}

export interface ResolvedSettings {
  settings: Settings;
  // Where each setting came from, for `doctor` and error messages.
  sources: Partial<Record<SettingKey, string>>;
  sdkEnvironment: SdkEnvironment;
}

// What the AWS SDK will find in the environment by itself. The store leaves those choices to the
// SDK and learns of them from here: only the settings read the environment.
export interface SdkEnvironment {
  // AWS_REGION: without it (and without lfs-lazy.region) a custom endpoint gets a default region.
  region: boolean;
  // AWS_REQUEST_CHECKSUM_CALCULATION: the user's own choice of checksum mode.
  checksumCalculation: boolean;
}

const NOTHING_FROM_THE_ENVIRONMENT: SdkEnvironment = { region: false, checksumCalculation: false };

// git lower-cases variable names, so the committed file may say forcePathStyle or forcepathstyle.
const KEYS: Record<string, SettingKey> = {
  url: 'url',
  endpoint: 'endpoint',
  region: 'region',
  forcepathstyle: 'forcePathStyle',
  checksum: 'checksum',
  profile: 'profile',
  logfile: 'logFile',
  loglevel: 'logLevel',
  maxattempts: 'maxAttempts',
  connecttimeoutms: 'connectTimeoutMs',
  idletimeoutms: 'idleTimeoutMs',
  cachesize: 'cacheSize',
};

// Keys of the committed file that are not settings: the hydrate defaults (hydration-policy.ts).
const OTHER_COMMITTED_KEYS = ['hydrate'];

const CREDENTIAL_LIKE = /secret|password|token|accesskey|access_key|credential/i;

function applyValue(settings: Settings, key: SettingKey, raw: string, where: string): void {
  switch (key) {
    case 'forcePathStyle':
      settings.forcePathStyle = parseBoolean(raw, where);
      return;
    case 'checksum':
      settings.checksum = parseChecksum(raw, where);
      return;
    case 'maxAttempts':
    case 'connectTimeoutMs':
    case 'idleTimeoutMs':
      settings[key] = parseInteger(raw, where, INTEGER_BOUNDS[key]);
      return;
    case 'cacheSize':
      settings.cacheSize = parseCacheSize(raw, where);
      return;
    case 'logLevel':
      settings.logLevel = parseLogLevel(raw, where);
      return;
    case 'url':
    case 'endpoint':
      // Refused without echoing the value: it would print the secret in the error.
      if (urlCarriesCredentials(raw)) {
        throw new ConfigError(
          `${where}: the URL contains a user name or password (user:password@host); lfs-lazy never reads credentials from config — ` +
            'remove them (rotate the key if it was committed) and use AWS_PROFILE or the AWS credentials file',
        );
      }
      settings[key] = key === 'endpoint' ? parseEndpoint(raw, where) : raw;
      return;
    default:
      settings[key] = raw;
  }
}

// Credentials come only from the AWS default chain; a config file that tries to carry one is
// refused outright rather than silently ignored, so the user notices before it is pushed.
export function rejectCredentialKeys(layer: ConfigLayer): void {
  for (const key of layer.values.keys()) {
    if (CREDENTIAL_LIKE.test(key)) {
      throw new ConfigError(
        `${layer.source} contains the credential-like key "lfs-lazy.${key}"; lfs-lazy never reads credentials from config — ` +
          'remove it (rotate the key if it was committed) and use AWS_PROFILE or the AWS credentials file',
      );
    }
  }
}

// Later layers win. Pure: callers gather the layers (committed file, git config, environment).
export function resolveSettings(layers: ConfigLayer[], sdkEnvironment: SdkEnvironment = NOTHING_FROM_THE_ENVIRONMENT): ResolvedSettings {
  const settings: Settings = {};
  const sources: Partial<Record<SettingKey, string>> = {};
  for (const layer of layers) {
    rejectCredentialKeys(layer);
    for (const [rawKey, raw] of layer.values) {
      const key = KEYS[rawKey.toLowerCase()];
      if (!key) {
        // A typo in the committed file (`endpiont`) would otherwise be ignored for everyone. git
        // config's lfs-lazy.* also holds what install keeps (replaced-*): only the file is checked.
        if (layer.source.startsWith(COMMITTED_CONFIG_FILE) && !OTHER_COMMITTED_KEYS.includes(rawKey.toLowerCase())) {
          throw new ConfigError(
            `${layer.source}: unknown key lfs-lazy.${rawKey}; the keys are ${[...Object.values(KEYS), ...OTHER_COMMITTED_KEYS].join(', ')} (docs/configuration.md)`,
          );
        }
        continue;
      }
      applyValue(settings, key, raw, `${layer.source} lfs-lazy.${rawKey}`);
      sources[key] = layer.source;
    }
  }
  return { settings, sources, sdkEnvironment };
}

export function requireUrl(resolved: ResolvedSettings): string {
  const url = resolved.settings.url;
  if (!url) {
    throw new ConfigError(
      `no storage configured: add "url = s3://bucket/prefix" under [lfs-lazy] in ${COMMITTED_CONFIG_FILE} ` +
        '(lfs-lazy install --url s3://bucket/prefix does it), or set git config lfs-lazy.url',
    );
  }
  return url;
}

// lfs-lazy's own variables, each the environment's value of one setting.
const OWN_VARIABLES: Record<string, string> = {
  LFS_LAZY_URL: 'url',
  LFS_LAZY_ENDPOINT: 'endpoint',
  LFS_LAZY_REGION: 'region',
  LFS_LAZY_FORCE_PATH_STYLE: 'forcepathstyle',
  LFS_LAZY_CHECKSUM: 'checksum',
  LFS_LAZY_LOG_FILE: 'logfile',
  LFS_LAZY_LOG_LEVEL: 'loglevel',
  LFS_LAZY_MAX_ATTEMPTS: 'maxattempts',
  LFS_LAZY_CONNECT_TIMEOUT_MS: 'connecttimeoutms',
  LFS_LAZY_IDLE_TIMEOUT_MS: 'idletimeoutms',
  LFS_LAZY_CACHE_SIZE: 'cachesize',
};

function ownVariables(env: NodeJS.ProcessEnv): Map<string, string> {
  const own = new Map<string, string>();
  for (const [name, key] of Object.entries(OWN_VARIABLES)) {
    const value = env[name];
    if (value) own.set(key, value);
  }
  return own;
}

// Environment overrides, including the variables AWS CLI users already know. An endpoint given
// through AWS_ENDPOINT_URL(_S3) is a custom endpoint like any other.
export function environmentLayer(env: NodeJS.ProcessEnv): ConfigLayer[] {
  const aws = new Map<string, string>();
  const awsEndpoint = env['AWS_ENDPOINT_URL_S3'] || env['AWS_ENDPOINT_URL'];
  if (awsEndpoint) aws.set('endpoint', awsEndpoint);
  return [
    { source: 'environment (AWS_ENDPOINT_URL*)', values: aws },
    { source: 'environment (LFS_LAZY_*)', values: ownVariables(env) },
  ];
}

export function readSdkEnvironment(env: NodeJS.ProcessEnv): SdkEnvironment {
  return { region: Boolean(env['AWS_REGION']), checksumCalculation: Boolean(env['AWS_REQUEST_CHECKSUM_CALCULATION']) };
}

// The log file and level the environment alone gives: where logs go when the config cannot be read.
export function environmentLogSettings(env: NodeJS.ProcessEnv): Pick<Settings, 'logFile' | 'logLevel'> {
  const own = ownVariables(env);
  const logFile = own.get('logfile');
  const logLevel = own.get('loglevel');
  return { ...(logFile !== undefined && { logFile }), ...(logLevel !== undefined && { logLevel }) };
}
