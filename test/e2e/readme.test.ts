// The README's set-up, run verbatim: its marked shell blocks (`<!-- readme-test: NAME -->`) are
// taken from README.md and run with bash, one machine (HOME) for the author and another for the
// clone, against s3rver on 127.0.0.1. Only the bucket, the endpoint and the git remote are
// replaced, so the README cannot drift from what works.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSandbox, CLI_PATH, type Sandbox } from '../helpers/sandbox.js';
import { startS3rver, testS3Env, type S3rverHandle } from '../helpers/s3rver.js';

const README = fileURLToPath(new URL('../../../README.md', import.meta.url));

function readmeBlocks(text: string): Map<string, string> {
  const blocks = new Map<string, string>();
  for (const m of text.matchAll(/<!-- readme-test: ([\w-]+) -->\n```sh\n([\s\S]*?)\n```/g)) blocks.set(m[1]!, m[2]!);
  return blocks;
}

describe('the README, verbatim', { timeout: 300_000 }, () => {
  let server: S3rverHandle;
  let author: Sandbox;
  let other: Sandbox;
  let blocks: Map<string, string>;
  let substitute: (block: string) => string;

  before(async () => {
    server = await startS3rver();
    author = await makeSandbox(testS3Env(server.endpoint));
    other = await makeSandbox(testS3Env(server.endpoint));
    // Named like the README's remote, so that git clone makes the same directory.
    const remote = join(author.root, 'my-dataset.git');
    await author.git(['init', '-q', '--bare', remote]);
    const replacements: Array<[string, string]> = [
      ['s3://my-bucket/datasets', `s3://${server.bucket}/readme`],
      ['https://minio.example.com:9000', server.endpoint],
      ['git@github.com:me/my-dataset.git', remote],
    ];
    const text = await readFile(README, 'utf8');
    blocks = readmeBlocks(text);
    for (const [from] of replacements) assert.ok(text.includes(from), `the README no longer mentions ${from}: update this test's replacements`);
    substitute = (block) => replacements.reduce((b, [from, to]) => b.split(from).join(to), block);
    // `lfs-lazy` on PATH, as `npm install -g` puts it there.
    for (const box of [author, other]) {
      const bin = join(box.root, 'bin');
      await mkdir(bin);
      await writeFile(join(bin, 'lfs-lazy'), `#!/bin/sh\nexec '${process.execPath}' '${CLI_PATH}' "$@"\n`);
      await chmod(join(bin, 'lfs-lazy'), 0o755);
      box.env['PATH'] = `${bin}:${process.env['PATH'] ?? ''}`;
    }
  });
  after(async () => {
    await author?.cleanup();
    await other?.cleanup();
    await server?.stop();
  });

  const runBlock = async (box: Sandbox, name: string) => {
    const block = blocks.get(name);
    assert.ok(block, `README.md has no block marked readme-test: ${name}`);
    const result = await box.run('bash', ['-e', '-o', 'pipefail', '-c', substitute(block)], { cwd: box.root, allowFail: true });
    assert.equal(result.code, 0, `the README's "${name}" block failed:\n${substitute(block)}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
    return result;
  };

  it('the author pushes: objects in the bucket, pointers in git', async () => {
    await runBlock(author, 'every-machine');
    const pushed = await runBlock(author, 'author');
    assert.match(pushed.stdout, /2 in the bucket, 0 not/);
    assert.equal(pushed.stderr, '', 'the README flow printed warnings or errors');
  });

  it('another machine clones lazily, hydrates one file and reads another', async () => {
    await runBlock(other, 'every-machine');
    const cloned = await runBlock(other, 'other-machine');
    assert.match(cloned.stdout, /pointer .*clips\/clip_0001\.wav/);
    assert.match(cloned.stdout, /^hydrated 1 file /m);
    assert.match(cloned.stdout, /^\s*3000000\s*$/m, 'cat did not give the 3,000,000 bytes of the clip');
    const clone = join(other.root, 'my-dataset');
    assert.equal(await readFile(join(clone, 'labels.json'), 'utf8'), '{"clip_0001": {"label": "speech"}}\n');
    assert.match(await readFile(join(clone, 'clips/clip_0001.wav'), 'utf8'), /^version https:\/\/git-lfs\.github\.com\/spec\/v1\n/);
    assert.equal(cloned.stderr, '');
  });
});
