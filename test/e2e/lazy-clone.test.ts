// The lazy policy end to end: real git, git-lfs, lfs-lazy's filter and agent, s3rver.
// A plain clone leaves pointers and moves no object bytes; LFS_LAZY_HYDRATE makes an eager clone
// through git's delay capability; a missing object leaves its pointer and the checkout completes.
import assert from 'node:assert/strict';
import { access, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encodePointer } from '../../src/protocol/pointer.js';
import { fileContent, makeLfsFixture, sha256, type LfsFixture } from '../helpers/lfs-fixture.js';
import { fileNames as filesUnder } from '../helpers/disk.js';

const DEAD_ENDPOINT = 'http://127.0.0.1:9';


interface LogLine {
  msg: string;
  pathname?: string;
  delayed?: number;
  maxConcurrentFetches?: number;
}

async function readLog(path: string): Promise<LogLine[]> {
  return (await readFile(path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as LogLine);
}

describe('lazy clone through the lfs-lazy filter', { timeout: 300_000 }, () => {
  let fixture: LfsFixture;
  // A committed pointer that is not canonical (CRLF): must come back byte for byte.
  let crlfPointer: Buffer;

  before(async () => {
    const files = [
      ...Array.from({ length: 40 }, (_, i) => ({ path: `data/f${String(i).padStart(2, '0')}.bin`, content: fileContent(i, 1 + i * 2_500) })),
      ...Array.from({ length: 12 }, (_, i) => ({
        path: `labels/l${String(i).padStart(2, '0')}.json`,
        content: Buffer.from(JSON.stringify(Object.fromEntries(Array.from({ length: 200 + i * 50 }, (_, k) => [`s${i}-${k}`, k % 7])))),
      })),
    ];
    crlfPointer = Buffer.from(encodePointer({ oid: sha256(files[1]!.content), size: files[1]!.content.length, extensions: [] }).toString().replace(/\n/g, '\r\n'));
    fixture = await makeLfsFixture({ files: [...files, { path: 'odd/crlf.bin', content: crlfPointer }] });
  });
  after(() => fixture?.cleanup());

  const regular = () => fixture.files.filter((f) => f.path !== 'odd/crlf.bin');
  const pointerOf = (content: Buffer) => encodePointer({ oid: sha256(content), size: content.length, extensions: [] });
  const logEnv = (log: string) => ({ LFS_LAZY_LOG_FILE: log, LFS_LAZY_LOG_LEVEL: 'debug' });

  it('a plain clone leaves every LFS file as its exact pointer, fetches nothing, and needs no reachable bucket', async (t) => {
    assert.ok(fixture.files.length >= 50);
    const started = Date.now();
    const clone = await fixture.clone('lazy', { env: { LFS_LAZY_ENDPOINT: DEAD_ENDPOINT, AWS_ENDPOINT_URL_S3: DEAD_ENDPOINT } });
    t.diagnostic(`lazy clone of ${fixture.files.length} LFS files: ${Date.now() - started} ms`);
    for (const file of fixture.files) {
      const blob = (await fixture.box.git(['cat-file', 'blob', `HEAD:${file.path}`], { cwd: clone })).stdout;
      const expected = file.path === 'odd/crlf.bin' ? crlfPointer : pointerOf(file.content);
      assert.equal(blob, expected.toString(), `${file.path}: the committed blob is not its pointer`);
      assert.ok((await readFile(join(clone, file.path))).equals(expected), `${file.path} is not its pointer`);
    }
    assert.deepEqual(await filesUnder(join(clone, '.git', 'lfs', 'objects')), []);
    assert.equal((await fixture.box.git(['status', '--porcelain'], { cwd: clone })).stdout, '');
    // The filter installed git-lfs's hooks, so a push from this clone uploads.
    await access(join(clone, '.git', 'hooks', 'pre-push'));
  });

  it("installs git-lfs's hooks where core.hooksPath points, when it is set", async () => {
    const hooks = join(fixture.box.root, 'shared-hooks');
    const clone = join(fixture.box.root, 'hooks-path');
    await fixture.box.git(['-c', `core.hooksPath=${hooks}`, 'clone', '-q', fixture.remote, clone]);
    assert.match(await readFile(join(hooks, 'pre-push'), 'utf8'), /git lfs pre-push/);
    await assert.rejects(access(join(clone, '.git', 'hooks', 'pre-push')), { code: 'ENOENT' });
  });

  it('LFS_LAZY_HYDRATE makes an eager clone of exactly the matching files, through the delay path', async (t) => {
    const log = join(fixture.box.root, 'eager.log');
    const started = Date.now();
    const clone = await fixture.clone('eager', { env: { LFS_LAZY_HYDRATE: '*.json', ...logEnv(log) } });
    t.diagnostic(`eager clone (12 of 53 hydrated): ${Date.now() - started} ms`);
    for (const file of regular()) {
      const expected = file.path.endsWith('.json') ? file.content : pointerOf(file.content);
      assert.ok((await readFile(join(clone, file.path))).equals(expected), `${file.path} has the wrong bytes`);
    }
    assert.ok((await readFile(join(clone, 'odd/crlf.bin'))).equals(crlfPointer));
    const lines = await readLog(log);
    const jsonPaths = regular().filter((f) => f.path.endsWith('.json')).map((f) => f.path).sort();
    assert.deepEqual(lines.filter((l) => l.msg === 'delayed').map((l) => l.pathname).sort(), jsonPaths);
    const summary = lines.find((l) => l.msg === 'filter session ended' && l.delayed);
    assert.equal(summary?.delayed, jsonPaths.length);
    assert.ok((summary?.maxConcurrentFetches ?? 0) > 1, `fetches ran one at a time: ${JSON.stringify(summary)}`);
    t.diagnostic(`at most ${summary?.maxConcurrentFetches} fetches at once`);

    // Hydrated and pointer files alike: nothing shows as modified, before or after a checkout.
    assert.equal((await fixture.box.git(['status', '--porcelain'], { cwd: clone })).stdout, '');
    await rm(join(clone, 'labels', 'l00.json'));
    await rm(join(clone, 'data', 'f00.bin'));
    await fixture.box.git(['checkout', '--', '.'], { cwd: clone });
    await fixture.box.git(['checkout', '-q', '-b', 'topic'], { cwd: clone });
    assert.equal((await fixture.box.git(['status', '--porcelain'], { cwd: clone })).stdout, '');
  });

  it('an object missing from the bucket leaves its pointer, is reported with its oid, and the checkout completes', async () => {
    const victim = regular().find((f) => f.path === 'labels/l03.json')!;
    const putBack = await fixture.bucket.takeAway(victim.oid);
    try {
      const clone = join(fixture.box.root, 'missing');
      const result = await fixture.box.git(['clone', '-q', fixture.remote, clone], { env: { LFS_LAZY_HYDRATE: 'data/*,labels/*' } });
      assert.equal(result.code, 0);
      // One line, naming the path, the oid and the cause; nothing else on stderr.
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0]!, new RegExp(`labels/l03\\.json.*${victim.oid}.*missing from s3://`));
      for (const file of regular()) {
        const expected = file === victim ? pointerOf(file.content) : file.content;
        assert.ok((await readFile(join(clone, file.path))).equals(expected), `${file.path} has the wrong bytes`);
      }
      assert.equal((await fixture.box.git(['status', '--porcelain'], { cwd: clone })).stdout, '');
      // No temp file of the failed download is left behind.
      assert.deepEqual(await filesUnder(join(clone, '.git', 'lfs', 'tmp')), []);
    } finally {
      await putBack();
    }
  });

  it('the single-file smudge (filter.lfs.smudge) follows the same rules', async () => {
    const clone = join(fixture.box.root, 'lazy');
    const file = regular().find((f) => f.path === 'data/f07.bin')!;
    const smudge = async (input: Buffer, env: NodeJS.ProcessEnv = {}) => {
      const script = `cmd=$(git config filter.lfs.smudge | sed 's|%f|${file.path}|'); eval "$cmd"`;
      const result = await fixture.box.run('sh', ['-c', script], { cwd: clone, input, env });
      assert.equal(result.stderr, '');
      return result.stdout;
    };
    assert.equal(await smudge(pointerOf(file.content)), pointerOf(file.content).toString());
    assert.equal(await smudge(crlfPointer), crlfPointer.toString());
    assert.ok((await smudge(file.content)) === file.content.toString(), 'a non-pointer was not passed through');
    assert.ok((await smudge(pointerOf(file.content), { LFS_LAZY_HYDRATE: 'data/*' })) === file.content.toString(), 'not hydrated');
  });
});
