// The small world every sequence plays in: a few LFS paths (tracked by `*.bin`) in the top level
// and two directories (so that sparse-checkout cones can leave some out), and two plain-git files.
// g.bin and data/h.bin are not in the starting history: edits create them, git mv moves to them.
import { createHash } from 'node:crypto';
import { Prng, seedOf } from './prng.js';

export const LFS_PATHS = ['a.bin', 'b.bin', 'c.bin', 'data/d.bin', 'data/e.bin', 'more/f.bin', 'g.bin', 'data/h.bin'] as const;
export const PLAIN_PATHS = ['notes.txt', 'data/info.txt'] as const;
export const UNIVERSE: readonly string[] = [...LFS_PATHS, ...PLAIN_PATHS];
export const DIRECTORIES = ['data', 'more'] as const;

export const GITATTRIBUTES = '*.bin filter=lfs diff=lfs merge=lfs -text\n';

export const isLfsPath = (path: string): boolean => path.endsWith('.bin');

// Sizes few enough that same-size edits are common (git's stat checks must not be fooled).
const SIZES = [2048, 3072, 4096];

// The bytes of LFS content `id` (e.g. "c7"): the same in every run, different for every id.
export function lfsContent(id: string): Buffer {
  const prng = new Prng(seedOf(id));
  return prng.bytes(SIZES[prng.below(SIZES.length)]!);
}

export function plainContent(id: string): Buffer {
  return Buffer.from(`plain text ${id}\nline two of ${id}\n`);
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

export function pointerOf(content: Buffer): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(content)}\nsize ${content.length}\n`);
}

export function objectPath(storeDir: string, oid: string): string {
  return `${storeDir}/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
}
