import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log/logger.js';
import { requireUrl, type ResolvedSettings } from '../config/settings.js';
import { ConfigError } from '../errors/index.js';
import { urlCarriesCredentials } from '../util/url-credentials.js';
import type { ObjectStore } from './object-store.js';
// Type-only: the SDK itself is loaded by the dynamic import below, when a store is opened.
import type { S3StoreOptions } from './s3-store.js';

export type StoreLocation = { kind: 's3'; bucket: string; prefix: string } | { kind: 'file'; dir: string };

export type OpenStoreOptions = Omit<S3StoreOptions, 'bucket' | 'prefix' | 'logger'> & { logger?: Logger };

const ACCEPTED = 'expected s3://bucket[/prefix] or file:///absolute/dir';
// S3's naming rules (the AWS documentation's "General purpose bucket naming rules"): 3–63
// characters, lowercase letters, digits, dots and hyphens, a letter or digit at each end, no two
// dots in a row, not shaped like an IP address. What breaks them would be refused by the bucket's
// own API, or fail later with a less clear message.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_SHAPED = /^\d+\.\d+\.\d+\.\d+$/;

const shorten = (text: string): string => (text.length > 80 ? `${text.slice(0, 77)}…` : text);

function bucketProblem(bucket: string): string | undefined {
  // A name too long to be one is not repeated in full after the URL that holds it.
  if (bucket.length > 63) return `a bucket name has at most 63 characters, this one ${bucket.length}`;
  if (!BUCKET.test(bucket)) return `"${bucket}" is not an S3 bucket name (3–63 characters: lowercase letters, digits, dots and hyphens, a letter or digit at each end)`;
  if (bucket.includes('..')) return `"${bucket}" is not an S3 bucket name (two dots in a row)`;
  if (IP_SHAPED.test(bucket)) return `"${bucket}" is not an S3 bucket name (shaped like an IP address)`;
  return undefined;
}

export function parseStoreUrl(url: string): StoreLocation {
  // Never echo a URL carrying credentials: that would print a secret in the error.
  const withCredentials = urlCarriesCredentials(url);
  // Shortened: the reason that follows may quote a part of it again.
  const shown = withCredentials ? url.replace(/:\/\/.*$/s, '://…') : shorten(url);
  const bad = (why: string): ConfigError => new ConfigError(`invalid store URL ${JSON.stringify(shown)}: ${why}; ${ACCEPTED}`);
  if (withCredentials) throw bad('credentials do not belong in the URL (use AWS_PROFILE or the AWS credentials file)');
  if (url.startsWith('s3://')) {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
    const problem = bucketProblem(bucket);
    if (problem !== undefined) throw bad(problem);
    if (/[?#\\\u0000-\u001f]/.test(prefix)) throw bad('the prefix contains ?, #, \\ or control characters');
    if (prefix && prefix.split('/').some((s) => s === '' || s === '.' || s === '..')) {
      throw bad('the prefix has an empty, "." or ".." segment');
    }
    return { kind: 's3', bucket, prefix };
  }
  if (url.startsWith('file:')) {
    // Only the three-slash form: "file://dir" would name a host, "file:dir" looks relative.
    if (!url.startsWith('file:///')) throw bad('a file URL needs an absolute path (three slashes)');
    let dir: string;
    try {
      dir = fileURLToPath(url);
    } catch (err) {
      throw bad((err as Error).message);
    }
    if (!isAbsolute(dir)) throw bad('the path is not absolute');
    return { kind: 'file', dir: dir.length > 1 ? dir.replace(/[\\/]+$/, '') : dir };
  }
  throw bad('unsupported scheme');
}

export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<ObjectStore> {
  const location = parseStoreUrl(url);
  if (location.kind === 'file') {
    const { FileStore } = await import('./file-store.js');
    return new FileStore(location.dir);
  }
  const { S3Store } = await import('./s3-store.js');
  return new S3Store({ ...options, bucket: location.bucket, prefix: location.prefix });
}

// Opens the store the settings name, with their options. The store module (and with it the AWS SDK)
// is imported on this first use, never at start-up.
export async function openConfiguredStore(resolved: ResolvedSettings, logger: Logger): Promise<ObjectStore> {
  const { settings, sdkEnvironment } = resolved;
  return openStore(requireUrl(resolved), {
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
