// `git add` through lfs-lazy's filter writes the same pointer bytes as git-lfs 3.3.0's own
// `git lfs clean` (run in a separate repository for the expected bytes), and the object lands in
// .git/lfs/objects with the right bytes.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { once } from 'node:events';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';

const BIG = 100 * 1024 * 1024 + 12_345;

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// Written chunk by chunk, never held in memory.
async function writeBigFile(path: string, size: number): Promise<void> {
  const out = createWriteStream(path);
  const block = randomBytes(1024 * 1024);
  for (let written = 0; written < size; written += block.length) {
    block.writeUInt32BE(written >>> 0, 0); // no two blocks alike
    if (!out.write(block.subarray(0, Math.min(block.length, size - written)))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

describe('clean: git add through lfs-lazy matches git lfs clean', { timeout: 300_000 }, () => {
  let box: Sandbox;
  let repo: string;
  let reference: string;
  const inputs = new Map<string, Buffer | undefined>(); // undefined: the big file, only on disk

  before(async () => {
    box = await makeSandbox();
    repo = join(box.root, 'repo');
    reference = join(box.root, 'reference');
    await box.git(['init', '-q', repo]);
    await box.git(['init', '-q', reference]);
    await box.cli(['install', '--local'], { cwd: repo });
    await box.git(['lfs', 'track', '*.dat'], { cwd: repo });
    const other = randomBytes(5000);
    const oid = createHash('sha256').update(other).digest('hex');
    inputs.set('empty.dat', Buffer.alloc(0));
    inputs.set('one.dat', Buffer.from('x'));
    inputs.set('mib.dat', randomBytes(1024 * 1024));
    inputs.set('pointer.dat', Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${oid}\nsize 5000\n`));
    inputs.set('crlf-pointer.dat', Buffer.from(`version https://git-lfs.github.com/spec/v1\r\noid sha256:${oid}\r\nsize 5000\r\n`));
    inputs.set('crlf.dat', Buffer.from('first line\r\nsecond line\r\n'.repeat(400)));
    inputs.set('big.dat', undefined);
    for (const [name, data] of inputs) if (data) await writeFile(join(repo, name), data);
    await writeBigFile(join(repo, 'big.dat'), BIG);
  });
  after(() => box?.cleanup());

  it('stages the same pointer bytes as git lfs clean, for every kind of input', async (t) => {
    const started = Date.now();
    await box.git(['add', '.'], { cwd: repo });
    t.diagnostic(`git add of ${inputs.size} files (one of ${BIG} bytes): ${Date.now() - started} ms`);
    for (const name of inputs.keys()) {
      const staged = await box.run('sh', ['-c', `git cat-file blob :${name} | od -An -c`], { cwd: repo });
      const expected = await box.run('sh', ['-c', `git lfs clean -- ${name} < '${join(repo, name)}' | od -An -c`], { cwd: reference });
      assert.equal(staged.stdout, expected.stdout, `${name}: pointer differs from git-lfs's`);
    }
    // Pointers pass through unchanged, CRLF ones included.
    for (const name of ['pointer.dat', 'crlf-pointer.dat']) {
      const staged = await box.run('git', ['cat-file', 'blob', `:${name}`], { cwd: repo });
      assert.equal(staged.stdout, inputs.get(name)!.toString());
    }
  });

  it('puts each object into .git/lfs/objects with the right bytes, and none for pointers or empty files', async () => {
    const objectPath = (oid: string) => join(repo, '.git', 'lfs', 'objects', oid.slice(0, 2), oid.slice(2, 4), oid);
    for (const [name, data] of inputs) {
      if (data === undefined) continue;
      const oid = createHash('sha256').update(data).digest('hex');
      if (name.includes('pointer') || data.length === 0) {
        await assert.rejects(stat(objectPath(oid)), { code: 'ENOENT' }, `${name} created an object`);
      } else {
        assert.ok((await readFile(objectPath(oid))).equals(data), `${name}: stored bytes differ`);
      }
    }
    const bigOid = await fileSha256(join(repo, 'big.dat'));
    assert.equal((await stat(objectPath(bigOid))).size, BIG);
    assert.equal(await fileSha256(objectPath(bigOid)), bigOid);
    // The pointers' object is not in the store: pass-through does not need it.
    const pointed = /oid sha256:([0-9a-f]{64})/.exec(inputs.get('pointer.dat')!.toString())![1]!;
    await assert.rejects(stat(objectPath(pointed)), { code: 'ENOENT' });
  });

  it('git status is clean afterwards, and the single-file clean writes the same pointers', async () => {
    await box.git(['commit', '-q', '-m', 'data'], { cwd: repo });
    assert.equal((await box.git(['status', '--porcelain'], { cwd: repo })).stdout, '');
    for (const name of inputs.keys()) {
      // The configured command, as git would run it (%f is the path).
      const single = await box.run('sh', ['-c', `cmd=$(git config filter.lfs.clean | sed 's/%f/${name}/'); eval "$cmd" < '${name}' | od -An -c`], {
        cwd: repo,
      });
      const staged = await box.run('sh', ['-c', `git cat-file blob :${name} | od -An -c`], { cwd: repo });
      assert.equal(single.stdout, staged.stdout, `${name}: lfs-lazy clean -- differs`);
    }
  });
});
