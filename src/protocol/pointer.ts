// Git LFS pointer files (spec v1), matched byte for byte against git-lfs 3.3.0 (lfs/pointer.go):
// encodePointer is `Pointer.Encoded()`, parsePointer accepts exactly what `DecodePointerFromBlob`
// accepts. Pure: bytes in, bytes out.
import { isValidOid } from '../util/oid.js';
import { trimmedSpace } from './go-space.js';

export interface PointerExtension {
  priority: number;
  name: string;
  oid: string;
}

export interface Pointer {
  oid: string;
  size: number;
  extensions: PointerExtension[];
}

// git-lfs treats only content strictly shorter than this as a possible pointer (blobSizeCutoff).
export const MAX_POINTER_SIZE = 1024;
export const EMPTY_OID = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const POINTER_VERSION = 'https://git-lfs.github.com/spec/v1';

const VERSION_ALIASES = new Set(['http://git-media.io/v/2', 'https://hawser.github.com/spec/v1', POINTER_VERSION]);
const PARSE_ORDER = ['version', 'oid', 'size'] as const;
// Go's regexes are unanchored at the end: `ext-1-foo!bar` passes as a key (name `foo!bar`).
const EXT_KEY_RE = /^ext-[0-9]-[0-9A-Za-z_]/;
const SIZE_RE = /^[+-]?[0-9]+$/; // strconv.ParseInt(s, 10, 64) syntax
const INT64_MAX = 2n ** 63n - 1n;
const EXT_NAME_RE = /^[0-9A-Za-z_][^ \n]*$/; // whatever parses back to the same key

export function encodePointer(p: Pointer): Buffer {
  if (!isValidOid(p.oid)) throw new TypeError(`pointer oid must be 64 lowercase hex characters, got ${JSON.stringify(p.oid)}`);
  if (!Number.isSafeInteger(p.size) || p.size < 0) throw new TypeError(`pointer size must be a non-negative integer, got ${p.size}`);
  // The spec's "an empty file is the pointer for an empty file", extensions or not.
  if (p.size === 0) return Buffer.alloc(0);
  const exts = [...p.extensions].sort((a, b) => a.priority - b.priority);
  let text = `version ${POINTER_VERSION}\n`;
  for (const [i, ext] of exts.entries()) {
    const valid = Number.isInteger(ext.priority) && ext.priority >= 0 && ext.priority <= 9 && exts[i - 1]?.priority !== ext.priority;
    if (!valid || !EXT_NAME_RE.test(ext.name) || !isValidOid(ext.oid)) {
      throw new TypeError(`invalid pointer extension ${JSON.stringify(ext)}`);
    }
    text += `ext-${ext.priority}-${ext.name} sha256:${ext.oid}\n`;
  }
  text += `oid sha256:${p.oid}\nsize ${p.size}\n`;
  return Buffer.from(text, 'utf8');
}

// undefined means "not a pointer": the caller passes such content through unchanged.
export function parsePointer(bytes: Uint8Array): Pointer | undefined {
  if (bytes.length === 0) return { oid: EMPTY_OID, size: 0, extensions: [] };
  if (bytes.length >= MAX_POINTER_SIZE) return undefined;
  const [start, end] = trimmedSpace(bytes);
  // latin1 keeps one char per byte, so the checks below compare bytes as Go does.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1', start, end);
  if (!text.includes('git-lfs') && !text.includes('git-media') && !text.includes('hawser')) return undefined;

  const values = new Map<string, string>();
  const extValues = new Map<string, string>(); // a repeated ext key overwrites, as in Go's map
  let expected = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine; // bufio.ScanLines drops one CR
    if (line.length === 0) continue;
    const space = line.indexOf(' ');
    if (space < 0) return undefined;
    const key = line.slice(0, space);
    const value = line.slice(space + 1);
    const want = PARSE_ORDER[expected];
    if (want === undefined) return undefined; // a line after size
    if (key === want) {
      values.set(key, value);
      expected++;
    } else if (EXT_KEY_RE.test(key)) {
      extValues.set(key, value);
    } else {
      return undefined;
    }
  }

  const version = values.get('version');
  if (version === undefined || !VERSION_ALIASES.has(version)) return undefined;
  const oid = parseOidValue(values.get('oid'));
  const size = parseSize(values.get('size'));
  if (oid === undefined || size === undefined) return undefined;

  const extensions: PointerExtension[] = [];
  for (const [key, value] of extValues) {
    const extOid = parseOidValue(value);
    if (extOid === undefined) return undefined;
    const priority = Number(key.charAt(4));
    if (extensions.some((e) => e.priority === priority)) return undefined;
    extensions.push({ priority, name: Buffer.from(key.slice(6), 'latin1').toString('utf8'), oid: extOid });
  }
  extensions.sort((a, b) => a.priority - b.priority);
  return { oid, size, extensions };
}

// Why the object of this pointer cannot be used as the file's content: git-lfs extensions transform
// content on its way into and out of the store, and lfs-lazy applies none. undefined: it can.
export function extensionsRefusal(p: Pointer): string | undefined {
  if (p.extensions.length === 0) return undefined;
  const names = p.extensions.map((e) => e.name).join(', ');
  return `its pointer uses the git-lfs extension(s) ${names}, which lfs-lazy does not apply`;
}

// True when the bytes are a pointer and exactly what git-lfs would write for it (Pointer.Canonical).
export function isCanonicalPointer(bytes: Uint8Array): boolean {
  const p = parsePointer(bytes);
  return p !== undefined && encodePointer(p).equals(bytes);
}

function parseOidValue(value: string | undefined): string | undefined {
  if (value === undefined || !value.startsWith('sha256:')) return undefined;
  const oid = value.slice('sha256:'.length);
  return isValidOid(oid) ? oid : undefined;
}

function parseSize(value: string | undefined): number | undefined {
  if (value === undefined || !SIZE_RE.test(value)) return undefined;
  const n = BigInt(value);
  if (n < 0n || n > INT64_MAX) return undefined;
  // Deliberate deviation: sizes git-lfs would accept above 2^53 cannot be held exactly in a number.
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return Number(n);
}
