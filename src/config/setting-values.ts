// How each setting's text becomes its value, and the one-line refusal (naming where the value
// came from, the value shortened, and what to write instead) when it cannot.
import { ConfigError } from '../errors/index.js';
import { parseByteSize } from '../util/byte-size.js';

export type ChecksumMode = 'when_required' | 'when_supported';

// Bounds that keep a typo from meaning "never give up" or "give up at once".
export const INTEGER_BOUNDS = {
  maxAttempts: { min: 1, max: 20 },
  connectTimeoutMs: { min: 100, max: 600_000 },
  idleTimeoutMs: { min: 100, max: 3_600_000 },
} as const;

export function parseBoolean(raw: string, where: string): boolean {
  if (/^(true|yes|on|1)$/i.test(raw)) return true;
  if (/^(false|no|off|0)$/i.test(raw)) return false;
  throw new ConfigError(`${where}: expected true or false, got "${raw}"`);
}

export function parseChecksum(raw: string, where: string): ChecksumMode {
  const value = raw.toLowerCase();
  if (value === 'when_required' || value === 'when_supported') return value;
  throw new ConfigError(`${where}: expected when_required or when_supported, got "${raw}"`);
}

export function parseInteger(raw: string, where: string, { min, max }: { min: number; max: number }): number {
  const value = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${where}: expected a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

// A value shown in a message: whole when short, never a wall of text.
function shown(raw: string): string {
  return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}…` : raw);
}

// The server only, as the SDK takes it: scheme, host, port. A path would be taken as part of every
// key and surface as a misleading NoSuchBucket; the bucket belongs in lfs-lazy.url.
export function parseEndpoint(raw: string, where: string): string {
  const example = 'e.g. http://127.0.0.1:9000 or https://s3.example.com';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${where}: ${shown(raw)} is not a URL; write the server with its scheme (${example})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${where}: ${shown(raw)} is not an http:// or https:// URL; write the server with its scheme (${example})`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new ConfigError(`${where}: ${shown(raw)} has a path or query; the endpoint is the server only (${url.origin}), the bucket and prefix go in lfs-lazy.url = s3://bucket/prefix`);
  }
  return raw;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function parseLogLevel(raw: string, where: string): string {
  const level = raw.toLowerCase();
  if (!LOG_LEVELS.includes(level)) throw new ConfigError(`${where}: expected one of ${LOG_LEVELS.join(', ')}, got ${shown(raw)}`);
  return level;
}

export function parseCacheSize(raw: string, where: string): number {
  const bytes = parseByteSize(raw);
  if (bytes === undefined) throw new ConfigError(`${where}: expected a size such as 500MB or 20GiB, got "${raw}"`);
  return bytes;
}
