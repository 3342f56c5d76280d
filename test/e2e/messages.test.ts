// One message style for the set-up mistakes of a first hour: what, where, what to do, one line.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileContent, makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';
import { CLI_PATH } from '../helpers/sandbox.js';

describe('messages for the usual mistakes', { timeout: 300_000 }, () => {
  let fx: LfsFixture;
  let clone: string;
  before(async () => {
    fx = await makeLfsFixture({ files: [{ path: 'data/a.bin', content: fileContent(1, 5000) }, { path: ':x.bin', content: fileContent(2, 4000) }] });
    clone = await fx.clone('clone');
  });
  after(() => fx?.cleanup());
  const fail = async (args: string[], cwd: string) => {
    const result = await fx.box.cli(args, { cwd, allowFail: true });
    assert.notEqual(result.code, 0, `${args.join(' ')} succeeded`);
    return result.stderr;
  };

  it('outside a repository, every command says so in the same words', async () => {
    for (const command of [['hydrate', 'x'], ['dehydrate', 'x'], ['status'], ['fingerprint'], ['cat', 'x'], ['path', 'x']]) {
      const stderr = await fail(command, fx.box.root);
      assert.equal(stderr, `lfs-lazy ${command[0]}: ${fx.box.root} is not inside a git repository\n`, command.join(' '));
    }
  });

  it('inside .git: run it from the working tree (not "a bare repository")', async () => {
    const inside = join(clone, '.git');
    for (const command of [['status'], ['hydrate', 'data'], ['cat', 'data/a.bin']]) {
      const stderr = await fail(command, inside);
      assert.match(stderr, /is inside the repository's \.git directory; run this from its working tree\n$/, command.join(' '));
      assert.doesNotMatch(stderr, /bare/);
    }
  });

  it('a reader that stops early (`lfs-lazy status --json | head -c 100`) ends the output, not the command with a stack trace', async () => {
    // Enough LFS files that the listing overflows a pipe: 2,000 pointers (the clean filter keeps a
    // pointer as it is), in a clone of their own.
    const own = await fx.clone('clone-many');
    const many = join(own, 'data', 'many');
    await mkdir(many, { recursive: true });
    for (let i = 0; i < 2000; i++) {
      const oid = i.toString(16).padStart(64, '0');
      await writeFile(join(many, `f${i}.bin`), `version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize ${i + 1}\n`);
    }
    await fx.box.git(['add', 'data/many'], { cwd: own });
    await fx.box.git(['commit', '-q', '-m', 'many'], { cwd: own });
    const child = spawn(process.execPath, [CLI_PATH, 'status', '--json'], { cwd: own, env: fx.box.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    // The first chunk, then the reader is gone.
    await new Promise((resolve) => child.stdout.once('data', resolve));
    child.stdout.destroy();
    assert.equal(await exited, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Error|at /);
  });

  it('an unknown option: one balanced line, then the usage', async () => {
    const stderr = await fail(['status', '--bogus'], clone);
    assert.match(stderr, /^lfs-lazy status: unknown option --bogus \(a path that starts with - goes after --: -- --bogus\)\nusage: lfs-lazy status/);
  });

  it('dehydrate of a pathspec that matches no LFS file says so, and still succeeds (nothing of the user\'s is at stake)', async () => {
    const result = await fx.box.cli(['dehydrate', 'data/typo.bin', 'data/a.bin'], { cwd: clone });
    assert.equal(result.stderr, "lfs-lazy dehydrate: pathspec data/typo.bin did not match any LFS file (a typo, or files git lfs track does not cover); nothing was dehydrated for it\n");
    const json = JSON.parse((await fx.box.cli(['dehydrate', '--json', 'data/typo.bin', 'data'], { cwd: clone })).stdout) as { unmatched: string[] };
    assert.deepEqual(json.unmatched, ['data/typo.bin']);
  });

  it('counts in the singular', async () => {
    const { stdout } = await fx.box.cli(['status', 'data'], { cwd: clone });
    assert.match(stdout, /^1 LFS file, /m);
  });

  it('hydrate takes an absolute path inside the working tree, and a file named ":x.bin" as ./:x.bin', async () => {
    const own = await fx.clone('names');
    const abs = await fx.box.cli(['hydrate', join(own, 'data', 'a.bin')], { cwd: join(own, 'data') });
    assert.match(abs.stdout, /^hydrated 1 file /);
    const colon = await fx.box.cli(['hydrate', './:x.bin'], { cwd: own });
    assert.match(colon.stdout, /^hydrated 1 file /, colon.stderr);
    assert.equal((await fx.box.git(['status', '--porcelain'], { cwd: own })).stdout, '');
    const magic = await fail(['hydrate', ':x.bin'], own);
    assert.match(magic, /pathspec magic is not supported: ":x\.bin"; .*as \.\/:x\.bin\)\n$/);
  });
});
