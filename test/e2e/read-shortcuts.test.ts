// The shortcuts of the read paths keep every guarantee of the long way round: a small object
// fetched for a whole read is given from the verified bytes of its download (each reader its own
// copy, nothing of a corrupt object ever sent), a pointer is told from a hydrated file without
// opening it unless both are the same length, and batch mode answers from a snapshot of the index
// that follows every change of the index, without a git process per path. Real git, git-lfs and
// s3rver (behind the fault proxy where a test needs to slow or corrupt a download).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { openRepository, type Repository } from '../../src/index.js';
import { encodePointer } from '../../src/protocol/pointer.js';
import { CoProcess } from '../helpers/co-process.js';
import { faultEnv, startFaultProxy } from '../helpers/fault-proxy.js';
import { fileContent } from '../helpers/lfs-fixture.js';
import { CLI_PATH } from '../helpers/sandbox.js';
import { makeReadFixture, PATHS, pushNextVersion, sha256, type ReadFixture } from './lazy-read-fixture.js';
import { get, startServe } from './serve-fixture.js';

// An object exactly as long as its own pointer (128 bytes: a 3-digit size).
const TWIN = { path: 'data/twin.bin', content: fileContent(70, 128) };

// Every chunk a stream gives, as it was given (not copied), once it has ended.
async function chunksOf(stream: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return chunks;
}

// A git that writes each run's arguments to a file before it runs the real one, first on PATH.
async function countedGit(rf: ReadFixture, clone: string, name: string): Promise<{ env: NodeJS.ProcessEnv; runs: () => Promise<string[]> }> {
  const bin = join(clone, '..', name);
  const log = join(bin, 'runs');
  await mkdir(bin, { recursive: true });
  const realGit = (await rf.fx.box.git(['--exec-path'], { cwd: clone })).stdout.trim();
  await writeFile(join(bin, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realGit}/git' "$@"\n`);
  await chmod(join(bin, 'git'), 0o755);
  return {
    env: { ...rf.fx.box.env, PATH: `${bin}:${rf.fx.box.env['PATH'] ?? ''}` },
    runs: async () => (existsSync(log) ? (await readFile(log, 'utf8')).split('\n').slice(0, -1) : []),
  };
}

describe('read paths: the shortcuts keep the guarantees', { timeout: 300_000 }, () => {
  let rf: ReadFixture;
  const repos: Repository[] = [];

  before(async () => {
    rf = await makeReadFixture();
    // In process: git and the AWS SDK read this process's environment (isolated HOME, s3rver keys).
    Object.assign(process.env, rf.fx.box.env);
    await pushNextVersion(rf, { write: [[TWIN.path, TWIN.content]] });
  });
  after(async () => {
    for (const repo of repos) repo.close();
    await rf?.fx.cleanup();
  });

  it('an object as long as its pointer: the pointer in the working tree reads as the object, the hydrated file as itself', async () => {
    const pointer = encodePointer({ oid: sha256(TWIN.content), size: TWIN.content.length, extensions: [] });
    assert.equal(pointer.length, TWIN.content.length, 'the test needs an object exactly as long as its pointer');
    const clone = await rf.lazyClone('clone-twin');
    assert.ok((await readFile(join(clone, TWIN.path))).equals(pointer), 'the lazy clone has the pointer');
    const repo = await openRepository(clone);
    repos.push(repo);
    assert.ok((await repo.readFile(TWIN.path)).equals(TWIN.content));
    const cat = await rf.cli(['cat', TWIN.path], clone);
    assert.equal(cat.code, 0, cat.stderr);
    assert.ok(cat.stdout.equals(TWIN.content));

    assert.equal((await rf.cli(['hydrate', TWIN.path], clone)).code, 0);
    assert.ok((await readFile(join(clone, TWIN.path))).equals(TWIN.content), 'hydrated');
    for (let i = 0; i < 6; i++) assert.ok((await repo.readFile(TWIN.path)).equals(TWIN.content), `read ${i}`);
  });

  it('two readers of a small object that is not here: one download, and each reader its own bytes', async () => {
    const proxy = await startFaultProxy(rf.fx.server.endpoint);
    try {
      const clone = await rf.lazyClone('clone-two-readers');
      const repo = await openRepository(clone, { env: { ...process.env, ...faultEnv(proxy, { idleMs: 10_000 }) } });
      repos.push(repo);
      const { oid, content } = rf.file(PATHS.labels);
      // A slow GET: the second reader surely asks while the first one's download is under way.
      await proxy.setFault({ method: 'GET', path: oid, action: { kind: 'delay', ms: 1_000 } });
      const first = repo.createReadStream(PATHS.labels);
      const second = repo.createReadStream(PATHS.labels);
      // The first reader overwrites every chunk it is given, as a reader may (they are its own).
      const seenByFirst: Buffer[] = [];
      first.on('data', (chunk: Buffer) => {
        seenByFirst.push(Buffer.from(chunk));
        chunk.fill(0);
      });
      const [, secondChunks] = await Promise.all([new Promise((resolve, reject) => first.on('end', resolve).on('error', reject)), chunksOf(second)]);
      assert.equal(proxy.count({ method: 'GET', path: oid }), 1, 'the two reads shared one download');
      assert.ok(Buffer.concat(seenByFirst).equals(content), 'the first reader');
      assert.ok(Buffer.concat(secondChunks).equals(content), 'the second reader got bytes the first one changed');
      assert.ok((await readFile(rf.readCacheObject(clone, oid))).equals(content), 'the read cache');
      assert.deepEqual(rf.tempFiles(clone), []);
    } finally {
      await proxy.close();
    }
  });

  it('serve: a small object whose download does not match its oid is a 502 with none of its bytes; nothing is kept', async () => {
    const proxy = await startFaultProxy(rf.fx.server.endpoint);
    const clone = await rf.lazyClone('clone-serve-flip');
    const served = await startServe(clone, { ...rf.fx.box.env, ...faultEnv(proxy) });
    try {
      const { oid, content } = rf.file(PATHS.labels);
      await proxy.setFault({ method: 'GET', path: oid, action: { kind: 'flip', offset: 1_000 } });
      const refused = await get(served, `/${PATHS.labels}`);
      assert.equal(refused.status, 502);
      assert.match(refused.body.toString(), new RegExp(`^cannot read ${PATHS.labels}: .*${oid}.*hash mismatch.*\\n$`));
      assert.equal(existsSync(rf.readCacheObject(clone, oid)), false, 'a corrupt object was kept');
      assert.deepEqual(rf.tempFiles(clone), []);
      await proxy.clearFault();
      const served200 = await get(served, `/${PATHS.labels}`);
      assert.equal(served200.status, 200);
      assert.ok(served200.body.equals(content));
    } finally {
      await served.stop();
      await proxy.close();
    }
  });

  it('path --batch answers from a snapshot of the index that follows its changes, with no git process per path', async () => {
    const clone = await rf.lazyClone('clone-batch-snapshot');
    const { env, runs: gitRuns } = await countedGit(rf, clone, 'git-counter');
    const runs = async (): Promise<number> => (await gitRuns()).length;

    const co = new CoProcess(process.execPath, [CLI_PATH, 'path', '--batch', '-z'], { cwd: clone, env });
    const ask = async (path: string): Promise<string> => {
      co.send(`${path}\0`);
      return (await co.readRecord(0)).toString();
    };
    try {
      const paths = [PATHS.labels, PATHS.readme, PATHS.big, PATHS.empty, PATHS.gone, TWIN.path];
      const expected = (path: string): Buffer => (path === TWIN.path ? TWIN.content : rf.file(path).content);
      let afterFirstRounds = 0;
      for (let round = 0; round < 5; round++) {
        for (const path of paths) {
          const answer = await ask(path);
          assert.ok((await readFile(answer)).equals(expected(path)), `${path}: ${answer}`);
        }
        // The first few reads ask git about their own path; from then on the snapshot answers.
        if (round === 1) afterFirstRounds = await runs();
      }
      assert.ok(afterFirstRounds > 0, 'the wrapper counted nothing: git was not found through it');
      assert.equal(await runs(), afterFirstRounds, `git ran again for the ${3 * paths.length} paths read after the first two rounds`);

      // The index changes under the running batch: a new version of a file is added, another
      // file is removed. The next answers follow.
      const next = fileContent(71, 12_345);
      await writeFile(join(clone, PATHS.labels), next);
      await rf.fx.box.git(['add', PATHS.labels], { cwd: clone });
      await rf.fx.box.git(['rm', '-q', PATHS.gone], { cwd: clone });
      const changed = await ask(PATHS.labels);
      assert.equal(changed, rf.lfsObject(clone, sha256(next)), 'the new version of the file, from the local store');
      assert.ok((await readFile(changed)).equals(next));
      assert.equal(await ask(PATHS.gone), `${PATHS.gone} error ${PATHS.gone} is not in the repository`);
      co.end();
      assert.equal(await co.exited, 0);
      assert.equal(co.stderr, '');
    } finally {
      co.kill();
    }
  });

  it('a batch\'s first request is looked up once, while the repository opens; a batch outside a repository ends though its input stays open', async () => {
    const clone = await rf.lazyClone('clone-batch-first');
    const { env, runs } = await countedGit(rf, clone, 'git-first-counter');
    const answered = await rf.fx.box.run(process.execPath, [CLI_PATH, 'path', '--batch'], { cwd: clone, env, input: `${PATHS.labels}\n` });
    assert.ok((await readFile(answered.stdout.toString().trimEnd())).equals(rf.file(PATHS.labels).content));
    const gitRuns = await runs();
    assert.deepEqual(gitRuns.map((args) => args.split(' ')[0]).sort(), ['cat-file', 'config', 'rev-parse'], gitRuns.join('\n'));

    const outside = join(clone, '..', 'not-a-repository');
    await mkdir(outside, { recursive: true });
    const co = new CoProcess(process.execPath, [CLI_PATH, 'path', '--batch'], { cwd: outside, env: rf.fx.box.env });
    try {
      co.send(`${PATHS.labels}\n`);
      assert.equal(await co.exited, 1);
      assert.match(co.stderr, /is not inside a git repository/);
    } finally {
      co.kill();
    }
  });
});
