// Everything the invariants compare, read from one repository after a step.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { objectPath } from './universe.js';
import type { Side, World } from './world.js';

export interface Snapshot {
  head: string;
  branch: string;
  refs: string;
  stashes: string[];
  // `git ls-files -s`: mode, blob, stage and path of every index entry.
  index: string;
  // Paths whose index entry differs from HEAD's (`git diff --cached --name-only`).
  staged: string[];
  status: string;
  files: Map<string, Buffer>;
  // Cone directories while sparse-checkout is on, else null.
  sparse: string[] | null;
  lfs: LfsObjects;
  // Paths .gitattributes sends through LFS whose index blob is no pointer (committed before a
  // `track` and not re-added since): whether `git status` calls them modified depends on git's
  // racy-timestamp check, i.e. on timing, in git-lfs as in lfs-lazy (invariants.ts).
  unsettled: Set<string>;
}

export async function snapshot(world: World, side: Side): Promise<Snapshot> {
  const git = async (...args: string[]): Promise<string> => {
    const result = await world.git(side, args);
    if (result.timedOut) throw new Error(`git ${args.join(' ')} timed out in the ${side}`);
    return result.code === 0 ? result.stdout.toString() : '';
  };
  // status first: it may refresh the index, which the other (read-only) queries then read. It
  // never fails in a sound repository: a failure (a filter that could not start makes it exit 128
  // with nothing on stdout) is reported as one, not compared as an empty status.
  const statusResult = await world.git(side, ['status', '--porcelain=v1', '-uall']);
  if (statusResult.timedOut || statusResult.code !== 0) {
    throw new Error(`git status ${statusResult.timedOut ? 'timed out' : `exited ${statusResult.code}`} in the ${side}: ${statusResult.stderr.trim().split('\n').pop() ?? ''}`);
  }
  const status = statusResult.stdout.toString();
  const [head, branch, refs, stashes, index, staged, sparseOn, files] = await Promise.all([
    git('rev-parse', '-q', '--verify', 'HEAD'),
    git('symbolic-ref', '-q', '--short', 'HEAD'),
    git('for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads', 'refs/stash'),
    git('stash', 'list', '--format=%H'),
    git('ls-files', '-s'),
    git('diff', '--cached', '--name-only', '--no-renames'),
    git('config', '--bool', 'core.sparseCheckout'),
    readTree(world.dirs[side]),
  ]);
  return {
    head: head.trim(),
    branch: branch.trim() || '(detached)',
    refs,
    stashes: stashes.split('\n').filter(Boolean),
    index,
    staged: staged.split('\n').filter(Boolean),
    status: stableNames(status),
    files: new Map([...files].map(([path, bytes]) => [stableNames(path), bytes])),
    sparse: sparseOn.trim() === 'true' ? (await git('sparse-checkout', 'list')).split('\n').filter(Boolean) : null,
    lfs: await lfsObjects(world, side, index, stashes.split('\n').filter(Boolean)),
    unsettled: await unsettledPaths(world, side, index),
  };
}

async function unsettledPaths(world: World, side: Side, index: string): Promise<Set<string>> {
  const entries = index.split('\n').flatMap((line) => {
    const match = /^\d+ ([0-9a-f]{40}) 0\t(.+)$/.exec(line);
    return match ? [{ blob: match[1]!, path: match[2]! }] : [];
  });
  if (entries.length === 0) return new Set();
  const attrs = (await world.git(side, ['check-attr', '-z', '--stdin', 'filter'], entries.map((e) => `${e.path}\0`).join(''))).stdout.toString().split('\0');
  const lfs = entries.filter((_, i) => attrs[i * 3 + 2] === 'lfs');
  const pointers = await pointerOids(world, side, [...new Set(lfs.map((e) => e.blob))]);
  return new Set(lfs.filter((e) => !pointers.has(e.blob)).map((e) => e.path));
}

// `git stash pop` keeps a file in the way of a conflicting path under a name with a random
// suffix (`data/h.bin.stash.DyTK3e`, seed 300032): the same file on both sides, under names that
// differ only by that suffix.
const stableNames = (text: string): string => text.replace(/\.stash\.[A-Za-z0-9]{6}(?=$|[\n/"])/g, '.stash.XXXXXX');

// Every file of the working tree but .git, by root-relative path.
async function readTree(root: string, prefix = ''): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(join(root, prefix), { withFileTypes: true })) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (path === '.git') continue;
    if (entry.isDirectory()) for (const [p, b] of await readTree(root, path)) files.set(p, b);
    else files.set(path, entry.isSymbolicLink() ? Buffer.from(`(symlink)`) : await readFile(join(root, path)));
  }
  return files;
}

export const localObjectExists = (world: World, side: Side, oid: string): boolean =>
  existsSync(objectPath(join(world.dirs[side], '.git', 'lfs', 'objects'), oid));

export const remoteObjectExists = (world: World, side: Side, oid: string): boolean => existsSync(objectPath(world.stores[side], oid));

const POINTER = /^version https:\/\/git-lfs\.github\.com\/spec\/v1\noid sha256:([0-9a-f]{64})\nsize (\d+)\n$/;

export function pointerOid(data: Buffer): string | null {
  if (data.length > 300) return null;
  return POINTER.exec(data.toString('latin1'))?.[1] ?? null;
}

export interface LfsObjects {
  // Every LFS object something the user can get back still names — a commit of any branch, tag,
  // remote branch or stash (untracked files of `stash -u` included), or the index — and where.
  named: Map<string, string>;
  // Those a commit of a local branch names: `git lfs prune` keeps them (unpushed commits and the
  // current checkout), and hydrate can bring them back.
  onBranches: Set<string>;
  // The oid each LFS path of the index (stage 0) names.
  index: Map<string, string>;
}

export async function lfsObjects(world: World, side: Side, index: string, stashes: string[]): Promise<LfsObjects> {
  const blobsOf = async (revs: string[]) =>
    (await world.git(side, ['rev-list', '--objects', ...revs])).stdout.toString().split('\n')
      .map((line) => [line.slice(0, 40), line.slice(41)] as const)
      // Any file's blob (trees too: not pointers, so never counted): `track` makes text files LFS files.
      .filter(([, path]) => path.length > 0);
  const history = await blobsOf(['--all', ...stashes]);
  const branches = new Set((await blobsOf(['--branches'])).map(([sha]) => sha));
  const indexed = index.split('\n').flatMap((line) => {
    const match = /^\d+ ([0-9a-f]{40}) 0\t(.+)$/.exec(line);
    return match ? [[match[1]!, match[2]!] as const] : [];
  });
  const oidOf = await pointerOids(world, side, [...new Set([...history.map(([sha]) => sha), ...indexed.map(([sha]) => sha)])]);
  const result: LfsObjects = { named: new Map(), onBranches: new Set(), index: new Map() };
  for (const [sha, path] of history) {
    const oid = oidOf.get(sha);
    if (!oid) continue;
    result.named.set(oid, `${path} in history`);
    if (branches.has(sha)) result.onBranches.add(oid);
  }
  for (const [sha, path] of indexed) {
    const oid = oidOf.get(sha);
    if (!oid) continue;
    result.named.set(oid, `${path} in the index`);
    result.index.set(path, oid);
  }
  return result;
}

// The oid of each blob that is an LFS pointer (`git cat-file --batch`).
async function pointerOids(world: World, side: Side, shas: string[]): Promise<Map<string, string>> {
  const oids = new Map<string, string>();
  if (shas.length === 0) return oids;
  const batch = (await world.git(side, ['cat-file', '--batch'], shas.join('\n') + '\n')).stdout;
  let at = 0;
  while (at < batch.length) {
    const headerEnd = batch.indexOf(0x0a, at);
    const [sha, , size] = batch.subarray(at, headerEnd).toString().split(' ');
    const body = batch.subarray(headerEnd + 1, headerEnd + 1 + Number(size));
    at = headerEnd + 1 + Number(size) + 1;
    const oid = pointerOid(body);
    if (oid) oids.set(sha!, oid);
  }
  return oids;
}
