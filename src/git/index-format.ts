import { createHash } from 'node:crypto';
import { LfsLazyError } from '../errors/index.js';
import { bytesToPath } from '../util/path-bytes.js';

// Git's index file (Documentation/gitformat-index.txt), versions 2, 3 and 4, SHA-1 or SHA-256:
// just enough to find entries by path and rewrite their stat data in place. Nothing here changes
// the length of an entry, so every offset git keeps in its extensions (EOIE, IEOT) stays valid.
// Pure: bytes in, bytes out.

export interface StatData {
  ctimeSec: number;
  ctimeNsec: number;
  mtimeSec: number;
  mtimeNsec: number;
  dev: number;
  ino: number;
  uid: number;
  gid: number;
  // The file size; git keeps its low 32 bits.
  size: number;
}

export interface IndexEntry {
  // Empty for the replacement entries of a split index ("link" extension), which git stores
  // without a name: such an index is never rewritten here. Decoded with bytesToPath, as every
  // name lfs-lazy reads from git.
  path: string;
  // Where the entry starts in the file: its stat data is the first 40 bytes.
  offset: number;
  // Hex object name of the staged blob.
  oid: string;
  // Octal git mode, e.g. "100644".
  mode: string;
  stage: number;
  // The flags that make git compare the entry with the working tree otherwise than by its stat
  // data. Intent-to-add (`git add -N`): staged as the empty blob, the file not yet indexed; no stat
  // data of ours belongs to it.
  assumeUnchanged: boolean;
  skipWorktree: boolean;
  intentToAdd: boolean;
  stat: StatData;
}

export interface ParsedIndex {
  version: number;
  // 20 (SHA-1) or 32 (SHA-256) bytes.
  hashLength: number;
  entries: IndexEntry[];
  // Four-letter signatures of the extensions, e.g. "TREE", "link" (split index), "sdir".
  extensions: string[];
}

// An index this code does not read: its callers fall back to letting git refresh the index.
export class IndexFormatError extends LfsLazyError {}

const HEADER = 12;
const STAT_BYTES = 40;
const FLAG_ASSUME_VALID = 0x8000;
const FLAG_EXTENDED = 0x4000;
const FLAG_STAGE = 0x3000;
const NAME_MASK = 0x0fff;
const EXT_SKIP_WORKTREE = 0x4000;
const EXT_INTENT_TO_ADD = 0x2000;

// Parses `data`, checking the trailing checksum. `hashLength` is the repository's object-name
// length in bytes: 20 for SHA-1, 32 for SHA-256.
export function parseIndex(data: Buffer, hashLength: 20 | 32): ParsedIndex {
  if (data.length < HEADER + hashLength || data.toString('latin1', 0, 4) !== 'DIRC') throw new IndexFormatError('not a git index (no DIRC header)');
  const version = data.readUInt32BE(4);
  if (version < 2 || version > 4) throw new IndexFormatError(`index version ${version} is not supported`);
  if (!checksumMatches(data, hashLength)) throw new IndexFormatError('index checksum mismatch');
  const count = data.readUInt32BE(8);
  const end = data.length - hashLength;
  const entries: IndexEntry[] = [];
  let offset = HEADER;
  let previousPath: Buffer = Buffer.alloc(0);
  for (let i = 0; i < count; i++) {
    const flagsAt = offset + STAT_BYTES + hashLength;
    if (flagsAt + 2 > end) throw new IndexFormatError('index truncated in an entry');
    const flags = data.readUInt16BE(flagsAt);
    let nameAt = flagsAt + 2;
    let extended = 0;
    if (flags & FLAG_EXTENDED) {
      if (version < 3) throw new IndexFormatError('extended flags in a version 2 index');
      extended = data.readUInt16BE(nameAt);
      nameAt += 2;
    }
    let path: Buffer;
    let next: number;
    if (version === 4) {
      const { value: strip, length } = readVarint(data, nameAt, end);
      const suffixAt = nameAt + length;
      const nul = data.indexOf(0, suffixAt);
      if (nul < 0 || nul >= end || strip > previousPath.length) throw new IndexFormatError('bad path in a version 4 entry');
      path = Buffer.concat([previousPath.subarray(0, previousPath.length - strip), data.subarray(suffixAt, nul)]);
      next = nul + 1;
    } else {
      const nameLength = flags & NAME_MASK;
      const nul = nameLength < NAME_MASK ? nameAt + nameLength : data.indexOf(0, nameAt);
      if (nul < 0 || nul >= end || data[nul] !== 0) throw new IndexFormatError('bad path in an entry');
      path = data.subarray(nameAt, nul);
      // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
      next = offset + ((nameAt - offset + path.length + 8) & ~7);
    }
    if (next > end) throw new IndexFormatError('index truncated in an entry');
    entries.push({
      path: bytesToPath(path),
      offset,
      oid: data.toString('hex', offset + STAT_BYTES, offset + STAT_BYTES + hashLength),
      mode: data.readUInt32BE(offset + 24).toString(8),
      stage: (flags & FLAG_STAGE) >> 12,
      assumeUnchanged: (flags & FLAG_ASSUME_VALID) !== 0,
      skipWorktree: (extended & EXT_SKIP_WORKTREE) !== 0,
      intentToAdd: (extended & EXT_INTENT_TO_ADD) !== 0,
      stat: readStat(data, offset),
    });
    previousPath = path;
    offset = next;
  }
  const extensions: string[] = [];
  while (offset < end) {
    if (offset + 8 > end) throw new IndexFormatError('index truncated in an extension header');
    extensions.push(data.toString('latin1', offset, offset + 4));
    offset += 8 + data.readUInt32BE(offset + 4);
  }
  if (offset !== end) throw new IndexFormatError('index extensions overrun the checksum');
  return { version, hashLength, entries, extensions };
}

export function readStat(data: Buffer, offset: number): StatData {
  return {
    ctimeSec: data.readUInt32BE(offset),
    ctimeNsec: data.readUInt32BE(offset + 4),
    mtimeSec: data.readUInt32BE(offset + 8),
    mtimeNsec: data.readUInt32BE(offset + 12),
    dev: data.readUInt32BE(offset + 16),
    ino: data.readUInt32BE(offset + 20),
    uid: data.readUInt32BE(offset + 28),
    gid: data.readUInt32BE(offset + 32),
    size: data.readUInt32BE(offset + 36),
  };
}

// Overwrites the stat data of the entry at `offset` (its mode is left alone), as git's
// fill_stat_data() would record it: every field cut to its low 32 bits.
export function writeStat(data: Buffer, offset: number, stat: StatData): void {
  data.writeUInt32BE(low32(stat.ctimeSec), offset);
  data.writeUInt32BE(low32(stat.ctimeNsec), offset + 4);
  data.writeUInt32BE(low32(stat.mtimeSec), offset + 8);
  data.writeUInt32BE(low32(stat.mtimeNsec), offset + 12);
  data.writeUInt32BE(low32(stat.dev), offset + 16);
  data.writeUInt32BE(low32(stat.ino), offset + 20);
  data.writeUInt32BE(low32(stat.uid), offset + 28);
  data.writeUInt32BE(low32(stat.gid), offset + 32);
  data.writeUInt32BE(low32(stat.size), offset + 36);
}

// Git's "racily clean" smudge: a zero size makes git compare the entry's content the next time
// it looks, instead of trusting stat data that a same-second write may have left unchanged.
export function smudgeSize(data: Buffer, offset: number): void {
  data.writeUInt32BE(0, offset + 36);
}

// Recomputes the trailing checksum after entries were rewritten. An all-zero checksum (a git
// with index.skipHash wrote the file) stays zero: such a git does not check it.
export function seal(data: Buffer, hashLength: 20 | 32): void {
  const at = data.length - hashLength;
  if (isZero(data.subarray(at))) return;
  digest(data.subarray(0, at), hashLength).copy(data, at);
}

function checksumMatches(data: Buffer, hashLength: 20 | 32): boolean {
  const at = data.length - hashLength;
  const stored = data.subarray(at);
  return isZero(stored) || digest(data.subarray(0, at), hashLength).equals(stored);
}

function digest(data: Buffer, hashLength: 20 | 32): Buffer {
  return createHash(hashLength === 20 ? 'sha1' : 'sha256').update(data).digest();
}

function isZero(bytes: Buffer): boolean {
  for (const byte of bytes) if (byte !== 0) return false;
  return true;
}

function low32(value: number): number {
  return value >= 0 && value <= 0xffffffff ? value : Number(BigInt(Math.trunc(value)) & 0xffffffffn);
}

// Git's offset varint (varint.c): each continuation adds one before shifting, so every value has
// exactly one encoding.
export function readVarint(data: Buffer, at: number, end: number): { value: number; length: number } {
  let pos = at;
  if (pos >= end) throw new IndexFormatError('index truncated in a varint');
  let c = data[pos++]!;
  let value = c & 0x7f;
  while (c & 0x80) {
    if (pos >= end || value > 0xffffff) throw new IndexFormatError('bad varint in a version 4 entry');
    c = data[pos++]!;
    value = (value + 1) * 128 + (c & 0x7f);
  }
  return { value, length: pos - at };
}
