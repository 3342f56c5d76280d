// File names are bytes to git and strings to lfs-lazy. Valid UTF-8 decodes as usual; each byte of
// an invalid sequence becomes the lone surrogate U+DC00+byte ("surrogateescape", as Python does
// for os.fsdecode). Decoding never yields a lone surrogate otherwise, so the mapping is lossless:
// pathToBytes gives back exactly the bytes git sent, for the filter protocol, git's stdin and the
// file system. A name that is valid UTF-8 (nearly all of them) costs one validity check.
import { isUtf8 } from 'node:buffer';
import { join } from 'node:path';

// An escaped byte is always >= 0x80 (ASCII is valid UTF-8), so only U+DC80..U+DCFF can be one.
const MAY_HOLD_ESCAPES = /[\udc80-\udcff]/;

const isContinuation = (byte: number | undefined): boolean => byte !== undefined && (byte & 0xc0) === 0x80;

// The length of the valid UTF-8 sequence starting at `i`, or 0 (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF).
function sequenceLength(b: Uint8Array, i: number): number {
  const lead = b[i]!;
  if (lead < 0x80) return 1;
  const second = b[i + 1];
  if (lead >= 0xc2 && lead <= 0xdf) return isContinuation(second) ? 2 : 0;
  if (second === undefined) return 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const min = lead === 0xe0 ? 0xa0 : 0x80;
    const max = lead === 0xed ? 0x9f : 0xbf;
    return second >= min && second <= max && isContinuation(b[i + 2]) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const min = lead === 0xf0 ? 0x90 : 0x80;
    const max = lead === 0xf4 ? 0x8f : 0xbf;
    return second >= min && second <= max && isContinuation(b[i + 2]) && isContinuation(b[i + 3]) ? 4 : 0;
  }
  return 0;
}

export function bytesToPath(b: Buffer): string {
  if (isUtf8(b)) return b.toString('utf8');
  const parts: string[] = [];
  let runStart = 0;
  for (let i = 0; i < b.length; ) {
    const length = sequenceLength(b, i);
    if (length > 0) {
      i += length;
      continue;
    }
    // Only this byte is escaped: the next one may start a valid sequence of its own.
    if (runStart < i) parts.push(b.toString('utf8', runStart, i));
    parts.push(String.fromCharCode(0xdc00 + b[i]!));
    runStart = ++i;
  }
  if (runStart < b.length) parts.push(b.toString('utf8', runStart));
  return parts.join('');
}

export function pathToBytes(s: string): Buffer {
  if (!MAY_HOLD_ESCAPES.test(s)) return Buffer.from(s, 'utf8');
  const parts: Buffer[] = [];
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++; // a pair: one character, encoded with its run
      continue;
    }
    if (unit < 0xdc80 || unit > 0xdcff) continue;
    if (runStart < i) parts.push(Buffer.from(s.slice(runStart, i), 'utf8'));
    parts.push(Buffer.of(unit - 0xdc00));
    runStart = i + 1;
  }
  if (runStart < s.length) parts.push(Buffer.from(s.slice(runStart), 'utf8'));
  return Buffer.concat(parts);
}

// A path as fs takes it: a Buffer for a name that is not UTF-8.
export type FsPath = string | Buffer;

// The path to give `fs` for a file under `root`: the string itself when it carries no escaped byte
// (the common case), else its bytes (fs takes Buffer paths and uses them as they are).
export function fsPath(root: string, rel: string): FsPath {
  const path = join(root, rel);
  return MAY_HOLD_ESCAPES.test(path) ? pathToBytes(path) : path;
}
