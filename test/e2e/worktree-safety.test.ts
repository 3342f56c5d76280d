// hydrate, dehydrate and status under git features that change what a working file means (issue
// 10): index flags that make git stop looking (--skip-worktree, --assume-unchanged), a plain-git
// file whose text is a pointer, two pointers disagreeing on an object's size, a directory replaced
// by a symlink, core.autocrlf, sparse-checkout. In each, git's own view (`git status`) is the
// oracle, and no user's bytes may be lost or written outside the repository.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rename, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';
import type { RunResult } from '../helpers/sandbox.js';
import type { DehydrateReport } from '../../src/hydration/dehydrate.js';
import type { HydrateReport } from '../../src/hydration/hydrate.js';
import type { FileState, StatusReport } from '../../src/hydration/status.js';
import { encodePointer } from '../../src/protocol/pointer.js';

const SIZED = fileContent(500, 6_000);
const FILES = [
  // Attributes written by hand: `*.dat` without -text, so core.autocrlf converts its pointers.
  { path: '.gitattributes', content: Buffer.from('*.bin filter=lfs diff=lfs merge=lfs -text\n*.dat filter=lfs diff=lfs merge=lfs\n') },
  { path: 'flags/skip.bin', content: fileContent(1, 5_000) },
  { path: 'flags/assume.bin', content: fileContent(2, 5_000) },
  { path: 'flags/clean.bin', content: fileContent(3, 5_000) },
  { path: 'sym/a.bin', content: fileContent(10, 3_000) },
  { path: 'sym/b.bin', content: fileContent(11, 3_000) },
  { path: 'sizes/good.bin', content: SIZED },
  // A document about LFS, not an LFS file: its text is the pointer of sizes/good.bin.
  { path: 'fixtures/pointer.txt', content: pointerOf(SIZED) },
  { path: 'crlf/c.dat', content: fileContent(20, 4_000) },
  { path: 'crlf/binary.bin', content: fileContent(21, 4_000) },
  { path: 'top.bin', content: fileContent(30, 2_000) },
];
// Same oid as sizes/good.bin, a size 10 bytes too big: committed as a pointer, never pushed.
const WRONG_SIZE = encodePointer({ oid: sha256(SIZED), size: SIZED.length + 10, extensions: [] });

function pointerOf(data: Buffer): Buffer {
  return encodePointer({ oid: sha256(data), size: data.length, extensions: [] });
}
const crlf = (data: Buffer): Buffer => Buffer.from(data.toString('latin1').replaceAll('\n', '\r\n'), 'latin1');

describe('hydrate / dehydrate / status under git workflows', { timeout: 600_000 }, () => {
  let fx: LfsFixture;
  const content = new Map(FILES.map((f) => [f.path, f.content]));

  before(async () => {
    fx = await makeLfsFixture({ files: FILES, patterns: [] });
    await writeFile(join(fx.origin, 'sizes/wrong.bin'), WRONG_SIZE);
    await fx.box.git(['add', 'sizes/wrong.bin'], { cwd: fx.origin });
    await fx.box.git(['commit', '-q', '-m', 'a pointer with a wrong size'], { cwd: fx.origin });
    // --no-verify: git-lfs's pre-push hook would (rightly) refuse to upload a wrong-size object.
    await fx.box.git(['push', '-q', '--no-verify', 'origin', 'main'], { cwd: fx.origin });
  });
  after(() => fx?.cleanup());

  const git = async (args: string[], cwd: string): Promise<string> => (await fx.box.git(args, { cwd })).stdout;
  const cli = (args: string[], cwd: string): Promise<RunResult> => fx.box.cli(args, { cwd, allowFail: true });
  const json = async <T>(args: string[], cwd: string): Promise<{ report: T; run: RunResult }> => {
    const run = await cli([...args.slice(0, 1), '--json', ...args.slice(1)], cwd);
    return { report: JSON.parse(run.stdout) as T, run };
  };
  const states = async (cwd: string, ...pathspecs: string[]): Promise<Record<string, FileState>> => {
    const { report } = await json<StatusReport>(['status', ...pathspecs], cwd);
    return Object.fromEntries(report.files.map((f) => [f.path, f.state]));
  };
  const pointer = (path: string): Buffer => pointerOf(content.get(path)!);
  const read = (clone: string, path: string): Promise<Buffer> => readFile(join(clone, path));

  it('item 2: dehydrate never overwrites a same-size edit of a --skip-worktree or --assume-unchanged file', async () => {
    const clone = await fx.clone('flags');
    assert.equal((await cli(['hydrate', 'flags'], clone)).code, 0);
    await git(['update-index', '--skip-worktree', 'flags/skip.bin'], clone);
    await git(['update-index', '--assume-unchanged', 'flags/assume.bin', 'flags/clean.bin'], clone);
    const edited = new Map<string, Buffer>();
    for (const path of ['flags/skip.bin', 'flags/assume.bin']) {
      const data = Buffer.from(content.get(path)!);
      data[100] = 0x21; // same size, one byte different
      await writeFile(join(clone, path), data);
      edited.set(path, data);
    }
    // git itself no longer looks at these two: the edits are invisible to it.
    assert.equal(await git(['ls-files', '-m'], clone), '');
    assert.deepEqual(await states(clone, 'flags'), { 'flags/assume.bin': 'modified', 'flags/clean.bin': 'hydrated', 'flags/skip.bin': 'modified' });

    const { report, run } = await json<DehydrateReport>(['dehydrate', 'flags'], clone);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(report.skipped, [
      { path: 'flags/assume.bin', reason: 'modified' },
      { path: 'flags/skip.bin', reason: 'modified' },
    ]);
    assert.deepEqual(report.dehydrated, ['flags/clean.bin'], 'an unedited flagged file is verified by its hash, then dehydrated');
    for (const [path, data] of edited) assert.ok((await read(clone, path)).equals(data), `the edit of ${path} survives`);
    assert.ok((await read(clone, 'flags/clean.bin')).equals(pointer('flags/clean.bin')));
  });

  // Found by the differential fuzz (seed 990037): hydrate left a flagged entry's stat data that of
  // the pointer, so once the flag was cleared git called the file modified by its size alone,
  // without looking (and a checkout would refuse to overwrite it), where git-lfs showed nothing.
  it('item 2b: hydrate and dehydrate of a --skip-worktree or --assume-unchanged file keep its stat data, so clearing the flag shows no change', async () => {
    const clone = await fx.clone('flags-stat');
    const flagged = { 'flags/skip.bin': 'skip-worktree', 'flags/assume.bin': 'assume-unchanged' } as const;
    const setFlags = async (on: boolean): Promise<void> => {
      for (const [path, flag] of Object.entries(flagged)) await git(['update-index', `--${on ? '' : 'no-'}${flag}`, path], clone);
    };
    for (const [command, expected] of [['hydrate', (path: string) => content.get(path)!], ['dehydrate', pointer]] as const) {
      // The index's stat data made true and not racy (files older than the index), so that git
      // trusts it afterwards rather than hashing the file again.
      const past = new Date(Date.now() - 3_600_000);
      for (const path of Object.keys(flagged)) await utimes(join(clone, path), past, past);
      await git(['update-index', '-q', '--refresh'], clone);
      assert.doesNotMatch(await git(['ls-files', '--debug', 'flags/skip.bin'], clone), /size: 0\b/, 'the entry is not racily clean');
      await setFlags(true);
      const run = await cli([command, 'flags'], clone);
      assert.equal(run.code, 0, run.stderr);
      for (const path of Object.keys(flagged)) assert.ok((await read(clone, path)).equals(expected(path)), `${command} wrote ${path}`);
      assert.match(await git(['ls-files', '-v', 'flags'], clone), /^S flags\/skip\.bin$/m, 'the flag is kept');
      await setFlags(false);
      assert.equal(await git(['status', '--porcelain'], clone), '', `after ${command}, with the flags cleared`);
      assert.equal(await git(['diff-files', '--name-only'], clone), '', `after ${command}: the index's stat data matches the files`);
    }
  });

  // Found by the differential fuzz (seed 990216): after `git reset --mixed HEAD~1` the working
  // tree keeps the newer version's pointer, which git lists as modified; hydrate skipped it as a
  // local edit, where git-lfs's user has that version's content.
  it('a modified file that is the pointer of another version is given that content; nothing is staged, git sees the same change', async () => {
    const author = await fx.clone('versions-author');
    await git(['checkout', '-q', '-b', 'versions'], author);
    const v2 = fileContent(31, 2_500);
    await writeFile(join(author, 'top.bin'), v2);
    await git(['commit', '-q', '-am', 'top.bin v2'], author);
    await git(['push', '-q', 'origin', 'versions'], author);

    // A lazy clone at the newer version: its pointer, the object not local.
    const clone = await fx.clone('versions');
    await git(['checkout', '-q', 'versions'], clone);
    await git(['reset', '-q', '--mixed', 'HEAD~1'], clone);
    assert.ok((await read(clone, 'top.bin')).equals(pointerOf(v2)));
    const before = { status: await git(['status', '--porcelain'], clone), diff: await git(['diff', 'top.bin'], clone), index: await git(['ls-files', '-s', 'top.bin'], clone) };
    assert.equal(before.status, ' M top.bin\n');
    // One more: a hand-written pointer of an object that exists nowhere stays as the user wrote it.
    const unknown = encodePointer({ oid: sha256(Buffer.from('nowhere')), size: 7, extensions: [] });
    await writeFile(join(clone, 'flags/clean.bin'), unknown);

    const { report, run } = await json<HydrateReport>(['hydrate', 'top.bin', 'flags/clean.bin'], clone);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(report.hydrated, ['top.bin']);
    assert.deepEqual(report.skipped, [{ path: 'flags/clean.bin', reason: 'modified' }]);
    assert.deepEqual(report.failed, []);
    assert.equal(report.fetched.objects, 1);
    assert.ok((await read(clone, 'top.bin')).equals(v2), 'the newer version\'s content');
    assert.ok((await read(clone, 'flags/clean.bin')).equals(unknown), 'the unknown pointer is untouched');
    assert.equal(await git(['diff', '--cached', '--name-only'], clone), '', 'nothing staged');
    assert.equal(await git(['ls-files', '-s', 'top.bin'], clone), before.index);
    assert.equal(await git(['diff', 'top.bin'], clone), before.diff, 'git sees the same change');
    assert.equal(await git(['status', '--porcelain', 'top.bin'], clone), ' M top.bin\n');
  });

  it('item 4: a plain-git file whose text is a pointer is not an LFS file: hydrate leaves it, status does not list it', async () => {
    const clone = await fx.clone('plain');
    assert.equal((await git(['check-attr', 'filter', 'fixtures/pointer.txt'], clone)).trim(), 'fixtures/pointer.txt: filter: unspecified');
    const refused = await fx.box.cli(['hydrate', 'fixtures'], { cwd: clone, allowFail: true });
    assert.match(refused.stderr, /pathspec 'fixtures' did not match any LFS file: 'fixtures\/pointer\.txt' holds an LFS pointer as its committed text/);
    const { report, run } = await json<HydrateReport>(['hydrate', '--ignore-unmatch', 'fixtures', 'sizes/good.bin'], clone);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(report.hydrated, ['sizes/good.bin']);
    assert.deepEqual(report.unmatched, ['fixtures']);
    assert.ok((await read(clone, 'fixtures/pointer.txt')).equals(content.get('fixtures/pointer.txt')!), 'the plain file is untouched');
    assert.equal(await git(['status', '--porcelain'], clone), '');
    // Named by status, as a file about LFS may be (or one `git lfs untrack` left: leaving-lfs.test.ts).
    const noted = await fx.box.cli(['status'], { cwd: clone });
    assert.match(noted.stderr, /1 file holds an LFS pointer as its committed text .*: fixtures\/pointer\.txt\. Expected of a file about LFS/);
    const listed = Object.keys(await states(clone));
    assert.ok(!listed.includes('fixtures/pointer.txt'), `status lists ${listed.join(', ')}`);
    assert.ok(listed.includes('sizes/good.bin'));
    const dehydrated = await json<DehydrateReport>(['dehydrate', 'fixtures'], clone);
    assert.deepEqual(dehydrated.report.alreadyPointers, []);
  });

  it('item 5: two pointers with one oid and different sizes: the valid one is hydrated, the wrong one fails naming its pointer', async () => {
    const clone = await fx.clone('sizes');
    const { report, run } = await json<HydrateReport>(['hydrate', 'sizes'], clone);
    assert.equal(run.code, 1, 'a failed file makes the exit code 1');
    assert.deepEqual(report.hydrated, ['sizes/good.bin']);
    assert.deepEqual(report.failed.map((f) => f.path), ['sizes/wrong.bin']);
    const error = report.failed[0]!.error;
    assert.match(error, new RegExp(`pointer says the object is ${SIZED.length + 10} bytes, but object ${sha256(SIZED)} is ${SIZED.length} bytes`));
    assert.doesNotMatch(error, /delete/, 'never advice to delete a good object');
    assert.ok((await read(clone, 'sizes/good.bin')).equals(SIZED));
    assert.ok((await read(clone, 'sizes/wrong.bin')).equals(WRONG_SIZE), 'the wrong pointer stays a pointer');
    assert.equal(await git(['status', '--porcelain'], clone), '');
    // Again, with the object local now: the same answer, nothing fetched.
    const again = await json<HydrateReport>(['hydrate', 'sizes/wrong.bin'], clone);
    assert.equal(again.run.code, 1);
    assert.deepEqual(again.report.fetched, { objects: 0, bytes: 0 });
    assert.equal(again.report.failed[0]?.error, error);
    assert.ok((await read(clone, 'sizes/wrong.bin')).equals(WRONG_SIZE));
  });

  it('item 6: hydrate and dehydrate never write through a directory replaced by a symlink; status calls its files missing, as git does', async () => {
    const clone = await fx.clone('symlinked');
    const outside = join(fx.box.root, 'outside-sym');
    const replaceBySymlink = async (): Promise<void> => {
      await rename(join(clone, 'sym'), outside);
      await symlink(outside, join(clone, 'sym'));
    };
    const putBack = async (): Promise<void> => {
      await rm(join(clone, 'sym'));
      await rename(outside, join(clone, 'sym'));
    };
    await replaceBySymlink();
    assert.equal(await git(['status', '--porcelain', 'sym/a.bin', 'sym/b.bin'], clone), ' D sym/a.bin\n D sym/b.bin\n');
    assert.deepEqual(await states(clone, 'sym'), { 'sym/a.bin': 'missing', 'sym/b.bin': 'missing' });
    const hydrated = await json<HydrateReport>(['hydrate', 'sym'], clone);
    assert.deepEqual(hydrated.report.hydrated, []);
    assert.deepEqual(hydrated.report.skipped, [
      { path: 'sym/a.bin', reason: 'missing' },
      { path: 'sym/b.bin', reason: 'missing' },
    ]);
    for (const path of ['sym/a.bin', 'sym/b.bin']) assert.ok((await readFile(join(outside, path.slice(4)))).equals(pointer(path)), `${path} outside the repository was written`);

    await putBack();
    assert.deepEqual((await json<HydrateReport>(['hydrate', 'sym'], clone)).report.hydrated, ['sym/a.bin', 'sym/b.bin']);
    await replaceBySymlink();
    const dehydrated = await json<DehydrateReport>(['dehydrate', 'sym'], clone);
    assert.deepEqual(dehydrated.report.dehydrated, []);
    assert.deepEqual(dehydrated.report.skipped.map((s) => s.reason), ['missing', 'missing']);
    for (const path of ['sym/a.bin', 'sym/b.bin']) assert.ok((await readFile(join(outside, path.slice(4)))).equals(content.get(path)!), `${path} outside the repository was written`);
    await putBack();
    assert.equal(await git(['status', '--porcelain'], clone), '');
  });

  it('item 12: with core.autocrlf=true and no -text, a pointer with CRLF line ends is a pointer, and hydrates', async () => {
    const clone = join(fx.box.root, 'autocrlf');
    await fx.box.git(['clone', '-q', '-c', 'core.autocrlf=true', fx.remote, clone]);
    assert.equal(await git(['status', '--porcelain'], clone), '');
    assert.deepEqual(await states(clone, 'crlf'), { 'crlf/binary.bin': 'pointer', 'crlf/c.dat': 'pointer' });
    // Whatever the checkout wrote, the CRLF form git's eol conversion gives: git finds it unmodified.
    await writeFile(join(clone, 'crlf/c.dat'), crlf(pointer('crlf/c.dat')));
    assert.equal(await git(['status', '--porcelain'], clone), '');
    assert.deepEqual(await states(clone, 'crlf/c.dat'), { 'crlf/c.dat': 'pointer' });
    // Under -text git converts nothing: there the CRLF form is an edit, for git and for us.
    await writeFile(join(clone, 'crlf/binary.bin'), crlf(pointer('crlf/binary.bin')));
    assert.equal(await git(['status', '--porcelain'], clone), ' M crlf/binary.bin\n');
    assert.deepEqual(await states(clone, 'crlf/binary.bin'), { 'crlf/binary.bin': 'modified' });

    const { report, run } = await json<HydrateReport>(['hydrate', 'crlf'], clone);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(report.hydrated, ['crlf/c.dat']);
    assert.deepEqual(report.skipped, [{ path: 'crlf/binary.bin', reason: 'modified' }]);
    assert.ok((await read(clone, 'crlf/c.dat')).equals(content.get('crlf/c.dat')!));
    assert.ok((await read(clone, 'crlf/binary.bin')).equals(crlf(pointer('crlf/binary.bin'))), 'the edit is kept');
    await git(['checkout', '--', 'crlf/binary.bin'], clone);
    assert.equal(await git(['status', '--porcelain'], clone), '');
    // And back: the committed (LF) pointer, which git equally finds unmodified.
    assert.deepEqual((await json<DehydrateReport>(['dehydrate', 'crlf/c.dat'], clone)).report.dehydrated, ['crlf/c.dat']);
    assert.deepEqual(await states(clone, 'crlf/c.dat'), { 'crlf/c.dat': 'pointer' });
    assert.equal(await git(['status', '--porcelain'], clone), '');
  });

  it('item 14: sparse-checkout: files outside the cone are "sparse", not missing; hydrate skips them and succeeds', async () => {
    const clone = await fx.clone('sparse');
    await git(['sparse-checkout', 'set', '--cone', 'flags'], clone);
    const got = await states(clone);
    const expected: Record<string, FileState> = {};
    for (const f of FILES.filter((f) => /\.(bin|dat)$/.test(f.path))) expected[f.path] = f.path.startsWith('flags/') || f.path === 'top.bin' ? 'pointer' : 'sparse';
    expected['sizes/wrong.bin'] = 'sparse';
    assert.deepEqual(got, expected);

    const run = await cli(['hydrate', '.'], clone);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^hydrated 4 files \(.*\), 6 files outside the sparse checkout\n$/);
    assert.doesNotMatch(run.stdout, /missing/);
    const { report } = await json<HydrateReport>(['hydrate', '.'], clone);
    assert.deepEqual(new Set(report.skipped.map((s) => s.reason)), new Set(['sparse']));
    assert.equal(await git(['status', '--porcelain'], clone), '');
    // Widening the cone checks the new paths out, hydrated: `.` is in the hydrated set.
    await git(['sparse-checkout', 'add', 'sym'], clone);
    assert.ok((await read(clone, 'sym/a.bin')).equals(content.get('sym/a.bin')!));
    assert.equal((await states(clone, 'sym'))['sym/a.bin'], 'hydrated');
  });
});
