// `git push` from a lazy clone of commits naming objects it never downloaded: real git, git-lfs,
// lfs-lazy's hook, filter and agent, s3rver. git-lfs alone (standalone transfer, no server to ask)
// refuses such a push as "missing or corrupt local objects"; an eager git-lfs clone would have
// downloaded the objects on the checkout and pushes. lfs-lazy's pre-push hook lets the push
// through only when the bucket holds every such object whole.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PRE_PUSH_HOOK } from '../../src/install/hooks.js';
import { encodePointer } from '../../src/protocol/pointer.js';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';

const DEAD_ENDPOINT = 'http://127.0.0.1:9';
// What git-lfs writes (`git lfs update`): its own hook, which lfs-lazy replaces.
const GIT_LFS_HOOK = `#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 "\\nThis repository is configured for Git LFS but 'git-lfs' was not found on your path. If you no longer wish to use Git LFS, remove this hook by deleting '.git/hooks/pre-push'.\\n"; exit 2; }\ngit lfs pre-push "$@"\n`;

describe('git push of objects a lazy clone never downloaded', { timeout: 300_000 }, () => {
  let fixture: LfsFixture;
  const first = fileContent(1, 30_000);
  const second = fileContent(2, 40_000);
  const pointer = (content: Buffer) => encodePointer({ oid: sha256(content), size: content.length, extensions: [] }).toString();

  before(async () => {
    fixture = await makeLfsFixture({ files: [{ path: 'data/a.bin', content: first }] });
    await writeFile(join(fixture.origin, 'data/a.bin'), second);
    await fixture.box.git(['commit', '-q', '-am', 'second version'], { cwd: fixture.origin });
    await fixture.box.git(['push', '-q', 'origin', 'main'], { cwd: fixture.origin });
  });
  after(() => fixture?.cleanup());

  // A lazy clone reverts the second version: the commit names the first version's object, which
  // stayed a pointer here. Each test pushes its own branch, so each push has that object to send.
  // (--single-branch: the branches earlier tests pushed hold the same commit, which git-lfs would
  // then know the remote has.)
  async function revertInLazyClone(name: string): Promise<string> {
    const clone = join(fixture.box.root, name);
    await fixture.box.git(['clone', '-q', '--single-branch', fixture.remote, clone]);
    await fixture.box.git(['revert', '--no-edit', 'HEAD'], { cwd: clone });
    assert.equal(await readFile(join(clone, 'data/a.bin'), 'utf8'), pointer(first), 'the reverted file should be a pointer');
    return clone;
  }
  const remoteBranch = async (branch: string) => (await fixture.box.git(['rev-parse', '-q', '--verify', `refs/heads/${branch}`], { cwd: fixture.remote, allowFail: true })).stdout.trim();

  it('goes through when the bucket has the object, and nothing is uploaded again', async () => {
    const clone = await revertInLazyClone('revert-ok');
    assert.equal(await readFile(join(clone, '.git', 'hooks', 'pre-push'), 'utf8'), PRE_PUSH_HOOK);
    const before = await fixture.bucket.version(sha256(first));
    const push = await fixture.box.git(['push', 'origin', 'HEAD:refs/heads/reverted'], { cwd: clone });
    assert.match(push.stderr, /lfs-lazy: 1 object of this push was never downloaded here and is in the bucket already \(checked\)/);
    assert.equal(await remoteBranch('reverted'), (await fixture.box.git(['rev-parse', 'HEAD'], { cwd: clone })).stdout.trim());
    assert.equal(await fixture.bucket.version(sha256(first)), before, 'the object was uploaded again');
    // Anyone can check the pushed commit out, with its content.
    const other = await fixture.clone('revert-ok-reader');
    await fixture.box.git(['checkout', '-q', 'reverted'], { cwd: other });
    await fixture.box.cli(['hydrate', 'data/a.bin'], { cwd: other });
    assert.ok((await readFile(join(other, 'data/a.bin'))).equals(first));
  });

  it('stops, as git-lfs does, when the bucket does not have the object, and names the file', async () => {
    const clone = await revertInLazyClone('revert-gone');
    const putBack = await fixture.bucket.takeAway(sha256(first));
    try {
      const push = await fixture.box.git(['push', 'origin', 'HEAD:refs/heads/gone'], { cwd: clone, allowFail: true });
      assert.notEqual(push.code, 0);
      assert.match(push.stderr, /lfs-lazy: 1 object of this push is neither in \.git\/lfs\/objects nor in the bucket at the size its pointer names \(data\/a\.bin\)/);
      assert.match(push.stdout + push.stderr, /missing or corrupt local objects/);
      assert.equal(await remoteBranch('gone'), '', 'the commits were published without their content');
    } finally {
      await putBack();
    }
  });

  it('stops when the bucket holds only part of the object (a truncated upload under its key)', async () => {
    const clone = await revertInLazyClone('revert-truncated');
    const oid = sha256(first);
    await fixture.bucket.put(oid, first.subarray(0, 1000));
    try {
      const push = await fixture.box.git(['push', 'origin', 'HEAD:refs/heads/truncated'], { cwd: clone, allowFail: true });
      assert.notEqual(push.code, 0);
      assert.match(push.stderr, /neither in \.git\/lfs\/objects nor in the bucket/);
      assert.equal(await remoteBranch('truncated'), '');
    } finally {
      await fixture.bucket.put(oid, first);
    }
  });

  it('stops when the bucket cannot be asked, saying why', async () => {
    const clone = await revertInLazyClone('revert-unreachable');
    const env = { ...fixture.box.env, LFS_LAZY_ENDPOINT: DEAD_ENDPOINT, AWS_ENDPOINT_URL_S3: DEAD_ENDPOINT, AWS_MAX_ATTEMPTS: '1' };
    const push = await fixture.box.git(['push', 'origin', 'HEAD:refs/heads/unreachable'], { cwd: clone, env, allowFail: true });
    assert.notEqual(push.code, 0);
    assert.match(push.stderr, /lfs-lazy: could not ask the bucket about 1 object of this push never downloaded here \(data\/a\.bin\)/);
    assert.equal(await remoteBranch('unreachable'), '');
  });

  it("replaces git-lfs's own pre-push hook, leaves a user's own alone, and falls back to git-lfs without lfs-lazy", async () => {
    const clone = await revertInLazyClone('hooks');
    const hook = join(clone, '.git', 'hooks', 'pre-push');
    await writeFile(hook, GIT_LFS_HOOK);
    await fixture.box.cli(['install', '--local'], { cwd: clone });
    assert.equal(await readFile(hook, 'utf8'), PRE_PUSH_HOOK);

    // Without lfs-lazy's filter configured, the same hook is git-lfs's: the push stops as it does there.
    const plain = await fixture.box.git(['-c', 'filter.lfs.process=git-lfs filter-process', 'push', 'origin', 'HEAD:refs/heads/plain'], { cwd: clone, allowFail: true });
    assert.notEqual(plain.code, 0);
    assert.doesNotMatch(plain.stdout + plain.stderr, /^lfs-lazy/m);
    assert.match(plain.stdout + plain.stderr, /missing or corrupt local objects/);

    const own = '#!/bin/sh\necho "my own hook" >&2\ngit lfs pre-push "$@"\n';
    await writeFile(hook, own);
    await fixture.box.cli(['install', '--local'], { cwd: clone });
    assert.equal(await readFile(hook, 'utf8'), own);
  });
});
