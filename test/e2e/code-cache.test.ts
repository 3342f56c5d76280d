// The installed CLI runs its bundle from V8's code cache (src/cli/code-cache.cts). A cache that is
// missing or that V8 refuses (another node, a damaged file) must cost nothing but its rewrite: the
// command runs as always, and the next one finds a cache V8 takes and leaves alone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH } from '../helpers/sandbox.js';

describe('the CLI’s code cache', () => {
  let dir: string;
  let cli: string;
  let cache: string;

  before(async () => {
    // A copy of the CLI's files, so that the build's own cache is not touched.
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-code-cache-'));
    cli = join(dir, 'lfs-lazy.cjs');
    await copyFile(CLI_PATH, cli);
    await copyFile(join(CLI_PATH, '..', 'code-cache.cjs'), join(dir, 'code-cache.cjs'));
    const bundle = await readFile(join(CLI_PATH, '..', 'lfs-lazy.bundle.cjs'), 'utf8');
    await writeFile(join(dir, 'lfs-lazy.bundle.cjs'), bundle);
    const id = /\/\/ bundle sha256 ([0-9a-f]{64})\n$/.exec(bundle)![1]!;
    cache = join(dir, `lfs-lazy.bundle.cjs.${id.slice(0, 16)}.v8-cache`);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const version = (): string => execFileSync(process.execPath, [cli, '--version'], { encoding: 'utf8' });

  it('without a cache: runs, and writes one', async () => {
    assert.match(version(), /^lfs-lazy \d+\.\d+\.\d+/);
    assert.ok((await stat(cache)).size > 1000);
  });

  it('a cache V8 refuses: runs all the same, and replaces it with one V8 takes and keeps', async () => {
    await writeFile(cache, Buffer.alloc(4096, 7));
    assert.match(version(), /^lfs-lazy \d+\.\d+\.\d+/);
    const rewritten = await readFile(cache);
    assert.notDeepEqual(rewritten, Buffer.alloc(4096, 7));
    const { ino, mtimeMs } = await stat(cache);
    assert.match(version(), /^lfs-lazy \d+\.\d+\.\d+/);
    // Taken: not written again (a rewrite renames a new file into place).
    const again = await stat(cache);
    assert.deepEqual([again.ino, again.mtimeMs], [ino, mtimeMs]);
  });

  it('a bundle that is not the one the cache was made from never meets that cache', async () => {
    // Same length, other bytes (what V8 alone would not tell apart): another name, so no cache yet.
    const bundle = await readFile(join(dir, 'lfs-lazy.bundle.cjs'), 'utf8');
    const other = bundle.replace(/bundle sha256 ([0-9a-f])/, (_, c: string) => `bundle sha256 ${c === '0' ? '1' : '0'}`);
    assert.equal(other.length, bundle.length);
    await writeFile(join(dir, 'lfs-lazy.bundle.cjs'), other);
    const before = (await readdir(dir)).filter((n) => n.endsWith('.v8-cache'));
    assert.match(version(), /^lfs-lazy \d+\.\d+\.\d+/);
    const after = (await readdir(dir)).filter((n) => n.endsWith('.v8-cache'));
    assert.equal(after.length, before.length + 1, 'the other bundle wrote a cache of its own');
    await writeFile(join(dir, 'lfs-lazy.bundle.cjs'), bundle);
  });
});
