// lfs-lazy status end to end: every state a working file can be in, local and bucket presence.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';
import type { FileState, StatusReport } from '../../src/hydration/status.js';

const FILES = [
  { path: 's/hydrated.json', content: fileContent(1, 4_000) },
  { path: 's/pointer.json', content: fileContent(2, 4_000) },
  { path: 's/edited.json', content: fileContent(3, 4_000) },
  { path: 's/deleted.json', content: fileContent(4, 4_000) },
  { path: 's/not-in-bucket.bin', content: fileContent(5, 4_000) },
  { path: 's/touched-hydrated.bin', content: fileContent(6, 4_000) },
  { path: 's/touched-pointer.json', content: fileContent(7, 4_000) },
  // An empty file is its own pointer: indistinguishable from any empty file, so never listed.
  { path: 's/empty.json', content: Buffer.alloc(0) },
  { path: 'README.md', content: Buffer.from('not an LFS file\n') },
];

const EXPECTED: Record<string, { state: FileState; local: boolean; remote: boolean; inHydratedSet: boolean }> = {
  's/hydrated.json': { state: 'hydrated', local: true, remote: true, inHydratedSet: true },
  's/pointer.json': { state: 'pointer', local: false, remote: true, inHydratedSet: false },
  's/edited.json': { state: 'modified', local: true, remote: true, inHydratedSet: true },
  's/deleted.json': { state: 'missing', local: true, remote: true, inHydratedSet: true },
  's/not-in-bucket.bin': { state: 'pointer', local: false, remote: false, inHydratedSet: false },
  's/touched-hydrated.bin': { state: 'hydrated', local: true, remote: true, inHydratedSet: true },
  's/touched-pointer.json': { state: 'pointer', local: false, remote: true, inHydratedSet: false },
};

describe('lfs-lazy status', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let clone: string;
  const status = async (args: string[], cwd = clone) => JSON.parse((await fx.box.cli(['status', '--json', ...args], { cwd })).stdout) as StatusReport;

  before(async () => {
    fx = await makeLfsFixture({ files: FILES });
    clone = await fx.clone('clone');
    const hydrated = ['s/hydrated.json', 's/edited.json', 's/deleted.json', 's/touched-hydrated.bin'];
    await fx.box.cli(['hydrate', ...hydrated], { cwd: clone });
    // Same size, one byte different: only a content comparison can tell.
    const edited = await readFile(join(clone, 's/edited.json'));
    edited[100] = 0x21;
    await writeFile(join(clone, 's/edited.json'), edited);
    await rm(join(clone, 's/deleted.json'));
    // Stat-dirty but unchanged files: git has to look at the content to call them clean.
    const later = new Date('2030-01-01T00:00:00Z');
    await utimes(join(clone, 's/touched-hydrated.bin'), later, later);
    await utimes(join(clone, 's/touched-pointer.json'), later, later);
    const oid = fx.files.find((f) => f.path === 's/not-in-bucket.bin')!.oid;
    await fx.bucket.remove(oid);
  });
  after(() => fx?.cleanup());

  it('--json --remote reports each state and local/bucket presence', async () => {
    const report = await status(['--remote']);
    const got = Object.fromEntries(report.files.map((f) => [f.path, { state: f.state, local: f.local, remote: f.remote, inHydratedSet: f.inHydratedSet }]));
    assert.deepEqual(got, EXPECTED);
    const sizes = Object.fromEntries(report.files.map((f) => [f.path, f.size]));
    for (const f of FILES.filter((f) => f.path in EXPECTED)) assert.equal(sizes[f.path], f.content.length);
    assert.deepEqual(report.totals, {
      files: 7,
      bytes: 28_000,
      states: {
        pointer: { files: 3, bytes: 12_000 },
        hydrated: { files: 2, bytes: 8_000 },
        modified: { files: 1, bytes: 4_000 },
        missing: { files: 1, bytes: 4_000 },
        sparse: { files: 0, bytes: 0 },
      },
      local: { files: 4, bytes: 16_000 },
      remote: { files: 6, bytes: 24_000 },
    });
  });

  it('without --remote it does not ask the bucket', async () => {
    const report = await status([], clone);
    assert.equal(report.totals.remote, undefined);
    assert.ok(report.files.every((f) => !('remote' in f)));
  });

  it('takes pathspecs relative to the current directory and prints root-relative paths', async () => {
    const report = await status(['hydrated.json', '*.bin'], join(clone, 's'));
    assert.deepEqual(report.files.map((f) => f.path).sort(), ['s/hydrated.json', 's/not-in-bucket.bin', 's/touched-hydrated.bin']);
  });

  it('prints a table with totals by default', async () => {
    const { stdout } = await fx.box.cli(['status', '--remote'], { cwd: clone });
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^state\s+size\s+local\s+remote\s+set\s+path$/);
    assert.ok(lines.some((l) => /^hydrated\s+4\.0 kB\s+yes\s+yes\s+\*\s+s\/hydrated\.json$/.test(l)), stdout);
    assert.ok(lines.some((l) => /^pointer\s+4\.0 kB\s+no\s+no\s+s\/not-in-bucket\.bin$/.test(l)), stdout);
    assert.match(lines.at(-2)!, /^7 LFS files, 28\.0 kB: 2 hydrated .*3 pointer .*1 modified .*1 missing .*; 6 in the bucket, 1 not$/);
    assert.match(lines.at(-1)!, /^read cache: 0 objects, 0 B of \S+ \S+ \(lfs-lazy\.cachesize; lfs-lazy prune-cache empties it\)$/);
  });

  it('reading the status leaves git status as it was', async () => {
    const { stdout } = await fx.box.git(['status', '--porcelain'], { cwd: clone });
    assert.equal(stdout, ' D s/deleted.json\n M s/edited.json\n');
  });
});
