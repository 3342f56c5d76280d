// Issue 6, dataset versions: `fingerprint`, `manifest --json` and `verify-manifest`, end to end —
// real git, real git-lfs, lfs-lazy installed in an isolated HOME, s3rver; every clone is lazy.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openRepository } from '../../src/index.js';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';

// The documented definition, written out independently of src/dataset/fingerprint.ts.
function recompute(files: Array<{ path: string; oid: string; size: number }>): string {
  const hash = createHash('sha256').update('lfs-lazy-fingerprint/1\n');
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  for (const f of sorted) hash.update(Buffer.from(`${f.oid} ${f.size} ${f.path}\0`));
  return hash.digest('hex');
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

const FILES = [
  { path: 'data/train/a.bin', content: fileContent(1, 20_000) },
  { path: 'data/train/b.bin', content: fileContent(2, 30_000) },
  { path: 'data/train/sub/c.bin', content: fileContent(3, 1_000) },
  { path: 'data/train/notes.txt', content: Buffer.from('not in LFS, but part of the training set\n') },
  { path: 'data/val/v.bin', content: fileContent(4, 5_000) },
  { path: 'data/labels.json', content: Buffer.from('{\n  "a": "speech"\n}\n') },
  { path: 'README.md', content: Buffer.from('# a dataset\n') },
];

describe('dataset versions: fingerprint, manifest, verify-manifest', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  const cli = (args: string[], cwd: string, allowFail = false) => fx.box.cli(args, { cwd, allowFail });
  const fingerprint = async (cwd: string, ...args: string[]) => (await cli(['fingerprint', ...args], cwd)).stdout.trim();
  const localObjects = (clone: string) => filesUnder(join(clone, '.git', 'lfs', 'objects'));

  before(async () => {
    fx = await makeLfsFixture({ files: FILES, patterns: ['*.bin', '*.json'] });
  });
  after(() => fx?.cleanup());

  it('is the same in every clone, follows the documented definition, and downloads nothing', async () => {
    const one = await fx.clone('one');
    const two = await fx.clone('two');
    assert.deepEqual(localObjects(one), []);
    const train = await fingerprint(fx.origin, 'data/train');
    assert.match(train, /^[0-9a-f]{64}$/);
    assert.equal(await fingerprint(one, 'data/train'), train);
    assert.equal(await fingerprint(two, 'data/train'), train);
    assert.equal(await fingerprint(join(two, 'data'), 'train'), train, 'pathspecs are relative to the current directory');
    assert.equal(await fingerprint(one), await fingerprint(two));
    // Without a pathspec (listed by ls-tree) as with one (read into an index for ls-files).
    assert.equal(await fingerprint(join(two, 'data', 'train')), train, 'no pathspec: the files under the current directory');
    assert.equal(await fingerprint(join(one, '.git')), await fingerprint(one, '.'), 'inside .git: every file');

    const manifest = JSON.parse((await cli(['manifest', '--json', 'data/train'], one)).stdout);
    assert.equal(manifest.scheme, 'lfs-lazy-fingerprint/1');
    assert.equal(manifest.fingerprint, train);
    assert.equal(manifest.commit, (await fx.box.git(['rev-parse', 'HEAD'], { cwd: one })).stdout.trim());
    const expected = FILES.filter((f) => f.path.startsWith('data/train/'))
      .map((f) => ({ path: f.path, oid: sha256(f.content), size: f.content.length, lfs: f.path.endsWith('.bin') }))
      .sort((a, b) => (a.path < b.path ? -1 : 1));
    assert.deepEqual(manifest.files, expected);
    assert.equal(recompute(expected), train);
    assert.deepEqual(JSON.parse((await cli(['fingerprint', '--json', 'data/train'], two)).stdout), {
      fingerprint: train,
      scheme: 'lfs-lazy-fingerprint/1',
      commit: manifest.commit,
      count: 4,
      bytes: expected.reduce((n, f) => n + f.size, 0),
    });
    // Wildcards select like git: '*' crosses directories.
    const bins = JSON.parse((await cli(['manifest', '--json', 'data/train/*.bin'], one)).stdout);
    assert.deepEqual(bins.files.map((f: { path: string }) => f.path), ['data/train/a.bin', 'data/train/b.bin', 'data/train/sub/c.bin']);
    const repo = await openRepository(two, { env: fx.box.env });
    try {
      const viaApi = await repo.fingerprint(['data/train']);
      assert.equal(viaApi.fingerprint, train, 'the library API agrees with the CLI');
      assert.deepEqual(viaApi.files, expected);
    } finally {
      repo.close();
    }
    assert.deepEqual(localObjects(one), [], 'fingerprint and manifest fetched objects');
    assert.deepEqual(localObjects(two), []);
  });

  it('changes with a selected file’s content (LFS or not), not with files outside the selection; same commit, same fingerprint', async () => {
    const clone = await fx.clone('history');
    const train0 = await fingerprint(clone, 'data/train');
    const val0 = await fingerprint(clone, 'data/val');
    const all0 = await fingerprint(clone);

    await writeFile(join(clone, 'data/val/v.bin'), fileContent(40, 5_000));
    await fx.box.git(['commit', '-q', '-am', 'new validation data'], { cwd: clone });
    assert.equal(await fingerprint(clone, 'data/train'), train0, 'a file outside the selection changed the fingerprint');
    assert.notEqual(await fingerprint(clone, 'data/val'), val0);
    assert.notEqual(await fingerprint(clone), all0);
    assert.equal(await fingerprint(clone, '--rev', 'HEAD~1', 'data/val'), val0);

    await writeFile(join(clone, 'data/train/b.bin'), fileContent(20, 30_000));
    await fx.box.git(['commit', '-q', '-am', 'new training data'], { cwd: clone });
    const train1 = await fingerprint(clone, 'data/train');
    assert.notEqual(train1, train0);
    await writeFile(join(clone, 'data/train/notes.txt'), 'edited\n');
    await fx.box.git(['commit', '-q', '-am', 'notes'], { cwd: clone });
    assert.notEqual(await fingerprint(clone, 'data/train'), train1, 'a non-LFS file in the selection is part of the version');
    await rm(join(clone, 'data/train/sub/c.bin'));
    await fx.box.git(['commit', '-q', '-am', 'fewer files'], { cwd: clone });
    const fewer = await fingerprint(clone, 'data/train');
    assert.ok(![train0, train1].includes(fewer));

    // Another checkout of the first commit, in another clone: the first fingerprints again.
    const other = await fx.clone('other');
    const first = (await fx.box.git(['rev-parse', 'HEAD~4'], { cwd: clone })).stdout.trim();
    assert.equal((await fx.box.git(['rev-parse', 'HEAD'], { cwd: other })).stdout.trim(), first);
    await fx.box.git(['checkout', '-q', '--detach', first], { cwd: clone });
    assert.equal(await fingerprint(clone, 'data/train'), train0);
    assert.equal(await fingerprint(clone), all0);
    assert.equal(await fingerprint(other, '--rev', first, 'data/val'), val0);

    // Uncommitted changes: the fingerprint is HEAD's, and it says so.
    await writeFile(join(clone, 'data/train/a.bin'), 'changed\n');
    const warned = await cli(['fingerprint', 'data/train'], clone);
    assert.equal(warned.stdout.trim(), train0);
    assert.match(warned.stderr, /uncommitted changes/);
    const none = await cli(['fingerprint', 'no/such/dir'], clone, true);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /^lfs-lazy fingerprint: no files at HEAD match no\/such\/dir\n$/);
  });

  it('verify-manifest: 0 on a matching checkout (pointers or content), 1 on a modified, missing or extra file', async () => {
    const source = await fx.clone('source');
    const manifestPath = join(fx.box.root, 'model', 'dataset.json');
    await mkdir(join(fx.box.root, 'model'), { recursive: true });
    await writeFile(manifestPath, (await cli(['manifest', '--json', 'data/train'], source)).stdout);

    const clone = await fx.clone('check');
    const ok = await cli(['verify-manifest', manifestPath], clone);
    assert.match(ok.stdout, /^ok: 4 files match fingerprint [0-9a-f]{64}\n$/);
    assert.deepEqual(localObjects(clone), [], 'verifying pointers downloaded objects');

    await cli(['hydrate', 'data/train/a.bin'], clone);
    assert.equal(await readFile(join(clone, 'data/train/a.bin'), 'utf8'), FILES[0]!.content.toString());
    assert.equal((await cli(['verify-manifest', manifestPath], clone)).code, 0);

    await writeFile(join(clone, 'data/train/b.bin'), fileContent(2, 30_001));
    const modified = await cli(['verify-manifest', manifestPath], clone, true);
    assert.equal(modified.code, 1);
    assert.match(modified.stdout, /^modified {2}data\/train\/b\.bin \(expected [0-9a-f]{64} 30000, found size 30001\)\n$/);
    assert.match(modified.stderr, /does not match .*: 1 difference/);
    await writeFile(join(clone, 'data/train/b.bin'), fileContent(9, 30_000));
    assert.match((await cli(['verify-manifest', manifestPath], clone, true)).stdout, /^modified {2}data\/train\/b\.bin \(expected [0-9a-f]{64} 30000, found [0-9a-f]{64} 30000\)\n$/);
    await fx.box.git(['checkout', '--', 'data/train/b.bin'], { cwd: clone });

    await rm(join(clone, 'data/train/sub/c.bin'));
    const missing = await cli(['verify-manifest', '--json', manifestPath], clone, true);
    assert.equal(missing.code, 1);
    const report = JSON.parse(missing.stdout);
    assert.equal(report.ok, false);
    assert.deepEqual(report.problems, [{ path: 'data/train/sub/c.bin', problem: 'missing', expected: { oid: sha256(FILES[2]!.content), size: 1_000 } }]);
    await fx.box.git(['checkout', '--', 'data/train/sub/c.bin'], { cwd: clone });
    assert.equal((await cli(['verify-manifest', manifestPath], clone)).code, 0);

    await writeFile(join(clone, 'data/train/d.bin'), 'more\n');
    await fx.box.git(['add', 'data/train/d.bin'], { cwd: clone });
    const extra = await cli(['verify-manifest', manifestPath], clone, true);
    assert.equal(extra.code, 1);
    assert.match(extra.stdout, /^extra {5}data\/train\/d\.bin \(not in the manifest\)\n$/);
    await fx.box.git(['rm', '-q', '--cached', 'data/train/d.bin'], { cwd: clone });

    // A manifest edited by hand is refused.
    const edited = JSON.parse(await readFile(manifestPath, 'utf8'));
    edited.files[0].size += 1;
    await writeFile(manifestPath, JSON.stringify(edited));
    const refused = await cli(['verify-manifest', manifestPath], clone, true);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /its files give fingerprint [0-9a-f]{64}, not the [0-9a-f]{64} it states/);
  });
});
