// File names git can hold that are not plain text (issue 10, items 11 and 14): a name that is not
// valid UTF-8 is the same file everywhere (status, hydrate, the filter's delayed answers, dataset
// manifests), and names with control characters are printed quoted, as git prints them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodePointer } from '../../src/protocol/pointer.js';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';
import { CLI_PATH } from '../helpers/sandbox.js';

// 'a\xff.bin': byte 0xff is never valid UTF-8.
const ODD = Buffer.from([0x61, 0xff, 0x2e, 0x62, 0x69, 0x6e]);
// How lfs-lazy holds that name (bytesToPath): the byte as the lone surrogate U+DCFF.
const ODD_PATH = 'a\udcff.bin';
const ESCAPE = Buffer.from('esc\x1b[31mred.bin');
const NEWLINE = Buffer.from('two\nlines.bin');
const NAMES = [ODD, ESCAPE, NEWLINE];
const contentOf = (i: number): Buffer => fileContent(100 + i, 3_000 + i);

interface RawResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

describe('file names that are not plain text', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  const at = (dir: string, name: Buffer): Buffer => Buffer.concat([Buffer.from(`${dir}/`), name]);
  const pointerOf = (content: Buffer): Buffer => encodePointer({ oid: sha256(content), size: content.length, extensions: [] });
  // The CLI with stdout as bytes: a quoted name is compared byte for byte with git's.
  const cli = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<RawResult> =>
    new Promise((resolve) => {
      execFile(process.execPath, [CLI_PATH, ...args], { cwd, env: { ...fx.box.env, ...env }, encoding: 'buffer' }, (err, stdout, stderr) => {
        resolve({ stdout, stderr: stderr.toString(), code: err ? (typeof err.code === 'number' ? err.code : 1) : 0 });
      });
    });
  const gitRaw = (args: string[], cwd: string): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      execFile('git', args, { cwd, env: fx.box.env, encoding: 'buffer' }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
    });
  const gitStatus = async (cwd: string): Promise<string> => (await fx.box.git(['status', '--porcelain'], { cwd })).stdout;

  before(async () => {
    fx = await makeLfsFixture({ files: [{ path: 'plain.bin', content: fileContent(1, 2_000) }] });
    for (const [i, name] of NAMES.entries()) await writeFile(at(fx.origin, name), contentOf(i));
    await fx.box.git(['add', '.'], { cwd: fx.origin });
    await fx.box.git(['commit', '-q', '-m', 'odd names'], { cwd: fx.origin });
    await fx.box.git(['push', '-q', 'origin', 'main'], { cwd: fx.origin });
  });
  after(() => fx?.cleanup());

  it('status calls a non-UTF-8 name a pointer (not missing); --json carries the byte as \\udcff', async () => {
    const clone = await fx.clone('status');
    assert.ok((await readFile(at(clone, ODD))).equals(pointerOf(contentOf(0))));
    const result = await cli(['status', '--json'], clone);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.toString().includes('"path": "a\\udcff.bin"'), result.stdout.toString());
    const report = JSON.parse(result.stdout.toString()) as { files: Array<{ path: string; state: string }> };
    assert.equal(report.files.find((f) => f.path === ODD_PATH)?.state, 'pointer');
    assert.deepEqual(report.files.map((f) => f.state), ['pointer', 'pointer', 'pointer', 'pointer']);
  });

  it('`hydrate .` gives it its content, git status stays clean, and a checkout through the delay path works', async () => {
    const clone = await fx.clone('hydrate');
    const hydrated = await cli(['hydrate', '.'], clone);
    assert.equal(hydrated.code, 0, hydrated.stderr);
    assert.equal(hydrated.stderr, '');
    assert.match(hydrated.stdout.toString(), /^hydrated 4 files/);
    assert.ok((await readFile(at(clone, ODD))).equals(contentOf(0)));
    assert.equal(await gitStatus(clone), '');
    // With `.` in the hydrated set, git asks the filter again and the answer comes delayed.
    await rm(at(clone, ODD));
    const checkout = await fx.box.git(['checkout', '--', '.'], { cwd: clone });
    assert.doesNotMatch(checkout.stderr, /signaled|error|fatal/i);
    assert.ok((await readFile(at(clone, ODD))).equals(contentOf(0)));
    assert.equal(await gitStatus(clone), '');
  });

  it('a wildcard selects it on the command line (arguments cannot carry the byte itself)', async () => {
    const clone = await fx.clone('wildcard');
    const hydrated = await cli(['hydrate', 'a?.bin'], clone);
    assert.equal(hydrated.code, 0, hydrated.stderr);
    assert.equal(hydrated.stderr, '');
    assert.match(hydrated.stdout.toString(), /^hydrated 1 file /);
    assert.ok((await readFile(at(clone, ODD))).equals(contentOf(0)));
    assert.equal(await gitStatus(clone), '');
  });

  it('a lazy clone with the file selected (LFS_LAZY_HYDRATE) gets its content', async () => {
    const dir = join(fx.box.root, 'eager');
    const result = await fx.box.git(['clone', '-q', fx.remote, dir], { env: { LFS_LAZY_HYDRATE: '*.bin' } });
    assert.doesNotMatch(result.stderr, /signaled|error|fatal/i);
    for (const [i, name] of NAMES.entries()) assert.ok((await readFile(at(dir, name))).equals(contentOf(i)), name.toString('hex'));
    assert.equal(await gitStatus(dir), '');
  });

  it('verify-manifest finds it, as a pointer and as content', async () => {
    const manifest = await cli(['manifest', '--json'], fx.origin);
    assert.equal(manifest.code, 0, manifest.stderr);
    assert.ok(manifest.stdout.toString().includes('"path": "a\\udcff.bin"'));
    const file = join(fx.box.root, 'manifest.json');
    await writeFile(file, manifest.stdout);
    const clone = await fx.clone('verify');
    const asPointers = await cli(['verify-manifest', file], clone);
    assert.equal(asPointers.code, 0, asPointers.stdout.toString() + asPointers.stderr);
    await cli(['hydrate', '.'], clone);
    const asContent = await cli(['verify-manifest', file], clone);
    assert.equal(asContent.code, 0, asContent.stdout.toString() + asContent.stderr);
  });

  it('prints names quoted as git does, following core.quotePath', async () => {
    const clone = await fx.clone('quoting');
    // Each name exactly as `git ls-files` prints it.
    const gitNames = async (): Promise<Buffer[]> => {
      const out = await gitRaw(['ls-files', '--', '*.bin', ':!plain.bin'], clone);
      return out.toString('latin1').trimEnd().split('\n').map((l) => Buffer.from(l, 'latin1'));
    };
    for (const quotePath of ['true', 'false']) {
      await fx.box.git(['config', 'core.quotePath', quotePath], { cwd: clone });
      const names = await gitNames();
      assert.equal(names.length, 3);
      assert.ok(names.some((n) => n.includes(0x22)), 'git quotes some of them');
      const table = (await cli(['status'], clone)).stdout;
      const rows = table.toString('latin1').split('\n');
      for (const name of names) {
        assert.ok(rows.some((r) => r.endsWith(`  ${name.toString('latin1')}`)), `core.quotePath=${quotePath}: no status row ends with ${JSON.stringify(name.toString('latin1'))}:\n${table.toString('latin1')}`);
      }
      assert.ok(!table.includes(0x1b), 'a raw escape character reached the terminal');
    }
    await fx.box.git(['config', 'core.quotePath', 'true'], { cwd: clone });
    // Report lines: an edited file is skipped by hydrate and reported by verify-manifest.
    await writeFile(at(clone, ESCAPE), 'edited');
    const hydrated = await cli(['hydrate', '.'], clone);
    assert.ok(hydrated.stdout.toString().includes('skipped 1 modified file: "esc\\033[31mred.bin"'), hydrated.stdout.toString());
    const manifest = await cli(['manifest', '--json'], fx.origin);
    const file = join(fx.box.root, 'manifest-quoting.json');
    await writeFile(file, manifest.stdout);
    const verified = await cli(['verify-manifest', file], clone);
    assert.equal(verified.code, 1);
    assert.match(verified.stdout.toString(), /^modified {2}"esc\\033\[31mred\.bin" \(expected /m);
    assert.ok(!verified.stdout.includes(0x1b) && !hydrated.stdout.includes(0x1b));
    // A path that is not in the repository: the error line quotes it too.
    const missing = await cli(['cat', 'no\x1bsuch.bin'], clone);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /"no\\033such\.bin" is not in the repository/);
  });

  // Names git's revision syntax would read otherwise (`1:x.bin` as a stage, `:x.bin`), with spaces,
  // or with a newline (which cannot be one line of `cat-file --batch`): `path` and `cat` find that
  // file, its blob read by one `cat-file` run.
  it('cat and path give the file named, for names revision syntax could misread and one with a newline', async () => {
    const names = ['1:x.bin', ':x.bin', 'trail.bin ', 'sp ace.bin'].map((name) => Buffer.from(name));
    const contents = names.map((_, i) => fileContent(200 + i, 1_000 + i));
    for (const [i, name] of names.entries()) await writeFile(at(fx.origin, name), contents[i]!);
    await fx.box.git(['add', '.'], { cwd: fx.origin });
    await fx.box.git(['commit', '-q', '-m', 'names revision syntax reads'], { cwd: fx.origin });
    const cases: Array<[Buffer, Buffer]> = [...names.map((name, i): [Buffer, Buffer] => [name, contents[i]!]), [NEWLINE, contentOf(NAMES.indexOf(NEWLINE))]];
    for (const [name, content] of cases) {
      const rel = at('.', name).toString().slice(2);
      const trace = join(fx.box.root, 'names-trace');
      await rm(trace, { force: true });
      const cat = await cli(['cat', rel], fx.origin, { GIT_TRACE: trace });
      assert.equal(cat.code, 0, cat.stderr);
      assert.ok(cat.stdout.equals(content), `cat ${JSON.stringify(rel)}`);
      const catFiles = (await readFile(trace, 'utf8')).split('\n').filter((line) => /trace: built-in: git cat-file/.test(line));
      assert.equal(catFiles.length, 1, `cat ${JSON.stringify(rel)}: ${catFiles.join('\n')}`);
      const path = await cli(['path', rel], fx.origin);
      assert.equal(path.code, 0, path.stderr);
      assert.ok((await readFile(path.stdout.subarray(0, -1).toString())).equals(content), `path ${JSON.stringify(rel)}`);
    }
  });

  it("the filter's report line quotes the name too", async () => {
    const putBack = await fx.bucket.takeAway(sha256(contentOf(1)));
    try {
      const dir = join(fx.box.root, 'report');
      const result = await fx.box.git(['clone', '-q', fx.remote, dir], { env: { LFS_LAZY_HYDRATE: 'esc*' } });
      assert.match(result.stderr, /could not fetch "esc\\033\[31mred\.bin" \(oid /);
      assert.ok(!result.stderr.includes('\x1b'), result.stderr);
    } finally {
      await putBack();
    }
  });
});
