// The shared set-up of the cat/path and library API tests: a pushed repository whose LFS objects
// are in s3rver, and lazy clones of it (pointers in the working tree, nothing in .git/lfs).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, type FixtureFile, type LfsFixture } from '../helpers/lfs-fixture.js';
import { CLI_PATH } from '../helpers/sandbox.js';

// Incompressible, deterministic bytes (all 256 values), so a binary-unsafe path would show.
function noise(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size);
  let block = createHash('sha256').update(`seed ${seed}`).digest();
  for (let i = 0; i < size; i += block.length) {
    block.copy(out, i);
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

export const PATHS = {
  big: 'data/big.bin', // ~3 MiB: the object of the ranged reads
  labels: 'data/labels.json',
  empty: 'data/empty.bin',
  gone: 'data/gone.bin', // removed from the bucket by the tests of missing objects
  readme: 'README.md', // not an LFS file
} as const;

export interface ReadFixture {
  fx: LfsFixture;
  file(path: string): FixtureFile;
  // A fresh plain `git clone`, in which every LFS file is a pointer.
  lazyClone(name: string): Promise<string>;
  // Where an object would be in a clone's local store.
  // Where an object is in git-lfs's store, and in the read cache of on-demand reads.
  lfsObject(clone: string, oid: string): string;
  readCacheObject(clone: string, oid: string): string;
  // Entries of a clone's .git/lfs/tmp and read-cache tmp (none once a read is over).
  tempFiles(clone: string): string[];
  // Runs the CLI with binary-safe stdout.
  cli(args: string[], cwd: string): Promise<{ stdout: Buffer; stderr: string; code: number }>;
}

export async function makeReadFixture(): Promise<ReadFixture> {
  const fx = await makeLfsFixture({
    files: [
      { path: PATHS.big, content: noise(3 * 1024 * 1024 + 4097, 1) },
      { path: PATHS.labels, content: fileContent(2, 40_000) },
      { path: PATHS.empty, content: Buffer.alloc(0) },
      { path: PATHS.gone, content: noise(50_000, 3) },
      { path: PATHS.readme, content: Buffer.from('# a dataset\n\nread me as I am.\n') },
    ],
  });
  return {
    fx,
    file(path) {
      const found = fx.files.find((f) => f.path === path);
      if (!found) throw new Error(`no fixture file ${path}`);
      return found;
    },
    // lfs-lazy's filter is installed (globally, in the sandbox): a plain clone is lazy.
    lazyClone: (name) => fx.clone(name),
    lfsObject: (clone, oid) => join(clone, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid),
    readCacheObject: (clone, oid) => join(clone, '.git', 'lfs-lazy', 'read-cache', 'objects', oid),
    tempFiles(clone) {
      const dirs = [join(clone, '.git', 'lfs', 'tmp'), join(clone, '.git', 'lfs-lazy', 'read-cache', 'tmp')];
      return dirs.flatMap((dir) => (existsSync(dir) ? readdirSync(dir) : []));
    },
    cli: (args, cwd) => runBinary(process.execPath, [CLI_PATH, ...args], { cwd, env: fx.box.env }),
  };
}

// Commits and pushes a next version of the fixture's repository: each file written (a Buffer
// name: one that is not UTF-8, relative to the repository), each of `remove` deleted. Returns the
// commit it builds on.
export async function pushNextVersion(rf: ReadFixture, change: { write: Array<[string | Buffer, Buffer]>; remove?: string[] }): Promise<string> {
  const origin = rf.fx.origin;
  const git = (args: string[]) => rf.fx.box.git(args, { cwd: origin });
  const previous = (await git(['rev-parse', 'HEAD'])).stdout.trim();
  for (const [name, content] of change.write) {
    await writeFile(typeof name === 'string' ? join(origin, name) : Buffer.concat([Buffer.from(`${origin}/`), name]), content);
  }
  for (const path of change.remove ?? []) await git(['rm', '-q', path]);
  await git(['add', '-A']);
  await git(['commit', '-q', '-m', 'next version']);
  await git(['push', '-q', 'origin', 'main']);
  return previous;
}

export function runBinary(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; input?: Buffer | string },
): Promise<{ stdout: Buffer; stderr: string; code: number }> {
  const { input } = options;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString(), code: code ?? 1 }));
    if (input !== undefined) {
      // All of it at once; a child that exits before reading it all is not an error here.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(input);
    }
  });
}

export const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');
