// `lfs-lazy cat|path --rev` and the batch modes (`path --batch`, `cat --batch`) against a lazy
// clone: real git, git-lfs, s3rver; every byte compared.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoProcess } from '../helpers/co-process.js';
import { faultEnv, startFaultProxy } from '../helpers/fault-proxy.js';
import { fileContent } from '../helpers/lfs-fixture.js';
import { CLI_PATH } from '../helpers/sandbox.js';
import { makeReadFixture, PATHS, pushNextVersion, runBinary, sha256, type ReadFixture } from './lazy-read-fixture.js';

// The second version (HEAD): labels and README changed, big.bin removed, odd names added.
const V2 = {
  labels: fileContent(50, 30_000),
  readme: Buffer.from('# second version\n'),
  newline: { path: 'data/two\nlines.bin', content: fileContent(51, 6_000) },
  notUtf8: { bytes: Buffer.from([...Buffer.from('data/b'), 0xfe, ...Buffer.from('.bin')]), content: fileContent(52, 6_001) },
};

interface RunResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

describe('cat / path: --rev and --batch', { timeout: 300_000 }, () => {
  let rf: ReadFixture;
  let clone: string;
  let v1: string;

  // The CLI with `input` on stdin, all of it at once.
  const run = (args: string[], input: Buffer | string, cwd = clone): Promise<RunResult> =>
    runBinary(process.execPath, [CLI_PATH, ...args], { cwd, env: rf.fx.box.env, input });
  const content = (path: string): Buffer => rf.file(path).content;

  before(async () => {
    rf = await makeReadFixture();
    v1 = await pushNextVersion(rf, {
      write: [
        [PATHS.labels, V2.labels],
        [PATHS.readme, V2.readme],
        [V2.newline.path, V2.newline.content],
        [V2.notUtf8.bytes, V2.notUtf8.content],
      ],
      remove: [PATHS.big],
    });
    clone = await rf.lazyClone('clone-batch');
  });
  after(async () => {
    await rf?.fx.cleanup();
  });

  it('cat --rev writes the files as an older commit has them; path --rev prints one verified object per path', async () => {
    const cat = await run(['cat', '--rev', 'HEAD~1', PATHS.labels, PATHS.readme, PATHS.big], '');
    assert.equal(cat.code, 0, cat.stderr);
    assert.ok(cat.stdout.equals(Buffer.concat([content(PATHS.labels), content(PATHS.readme), content(PATHS.big)])));
    const path = await run(['path', `--rev=${v1}`, PATHS.big, PATHS.readme], '');
    assert.equal(path.code, 0, path.stderr);
    assert.equal(
      path.stdout.toString(),
      `${rf.readCacheObject(clone, rf.file(PATHS.big).oid)}\n${rf.readCacheObject(clone, sha256(content(PATHS.readme)))}\n`,
    );
    // The working tree has the second version, untouched.
    assert.ok((await run(['cat', PATHS.readme], '')).stdout.equals(V2.readme));
    assert.equal((await rf.fx.box.git(['status', '--porcelain'], { cwd: clone })).stdout, '');
    assert.equal(existsSync(rf.lfsObject(clone, rf.file(PATHS.big).oid)), false);
  });

  it('a revision that looks like an option, an unknown one and a path missing at it are one-line errors', async () => {
    for (const command of ['cat', 'path']) {
      const option = await run([command, '--rev=--output=x', PATHS.readme], '');
      assert.equal(option.code, 1);
      assert.equal(option.stderr, `lfs-lazy ${command}: invalid revision --output=x: a revision cannot start with "-"\n`);
      const batch = await run([command, '--batch', '--rev=--output=x'], `${PATHS.readme}\n`);
      assert.equal(batch.stderr, `lfs-lazy ${command}: invalid revision --output=x: a revision cannot start with "-"\n`);
      assert.equal(batch.stdout.length, 0);
      const unknown = await run([command, '--rev', 'no-such-rev', PATHS.readme], '');
      assert.equal(unknown.stderr, `lfs-lazy ${command}: unknown revision no-such-rev: not a commit of this repository\n`);
      const unknownBatch = await run([command, '--batch', '--rev', 'no-such-rev'], `${PATHS.readme}\n`);
      assert.equal(unknownBatch.code, 1);
      assert.equal(unknownBatch.stdout.length, 0);
      const missing = await run([command, '--rev', 'HEAD', PATHS.big], '');
      assert.equal(missing.stderr, `lfs-lazy ${command}: HEAD:${PATHS.big} does not exist\n`);
    }
    assert.equal(existsSync(join(clone, 'x')), false);
  });

  it('path --batch answers in input order, one line each, a failure as "<path> error <message>" without ending the batch', async () => {
    const requests = [PATHS.labels, 'data/nope.bin', PATHS.readme, PATHS.empty, PATHS.labels, '', 'data/labels.json'];
    const result = await run(['path', '--batch', '-j', '3'], requests.map((r) => `${r}\n`).join(''));
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const lines = result.stdout.toString().split('\n');
    assert.equal(lines.pop(), '');
    const labels = rf.readCacheObject(clone, sha256(V2.labels));
    assert.deepEqual(lines.slice(0, 3), [labels, 'data/nope.bin error data/nope.bin is not in the repository', join(clone, PATHS.readme)]);
    assert.equal((await readFile(lines[3]!)).length, 0);
    assert.deepEqual(lines.slice(4), [labels, ' error a path is required', labels]);
    assert.ok((await readFile(labels)).equals(V2.labels));
  });

  it('path --batch --json: one object per answer; names that are not UTF-8 as \\udcXX; with --rev', async () => {
    const oddRequest = Buffer.concat([V2.notUtf8.bytes, Buffer.from('\n')]);
    const result = await run(['path', '--batch', '--json'], Buffer.concat([Buffer.from(`${PATHS.labels}\ndata/nope.bin\n`), oddRequest]));
    assert.equal(result.code, 0, result.stderr);
    const answers = result.stdout.toString().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(answers[0], { path: PATHS.labels, size: V2.labels.length, localPath: rf.readCacheObject(clone, sha256(V2.labels)) });
    assert.deepEqual(answers[1], { path: 'data/nope.bin', error: 'data/nope.bin is not in the repository' });
    assert.equal(answers[2]!['path'], 'data/b\udcfe.bin');
    assert.ok(result.stdout.toString().includes('"path":"data/b\\udcfe.bin"'));
    assert.ok((await readFile(answers[2]!['localPath'] as string)).equals(V2.notUtf8.content));

    const atV1 = await run(['path', '--batch', '--json', '-z', '--rev', 'HEAD~1'], `${PATHS.big}\0${V2.newline.path}\0`);
    assert.equal(atV1.code, 0, atV1.stderr);
    const [big, missing] = atV1.stdout.toString().trimEnd().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(big, { path: PATHS.big, size: content(PATHS.big).length, localPath: rf.readCacheObject(clone, rf.file(PATHS.big).oid) });
    // The revision is resolved once: the answers name its commit.
    assert.deepEqual(missing, { path: V2.newline.path, error: `${v1}:"data/two\\nlines.bin" does not exist` });
  });

  it('-z: NUL-separated requests and answers carry a name with a line break', async () => {
    const result = await run(['path', '--batch', '-z'], `${V2.newline.path}\0${PATHS.readme}\0nope\nnope\0`);
    assert.equal(result.code, 0, result.stderr);
    const answers = result.stdout.toString().split('\0');
    assert.equal(answers.pop(), '');
    assert.equal(answers[0], rf.readCacheObject(clone, sha256(V2.newline.content)));
    assert.equal(answers[1], join(clone, PATHS.readme));
    assert.equal(answers[2], 'nope\nnope error "nope\\nnope" is not in the repository');
  });

  it('cat --batch frames every answer as "<path> <size>\\n<bytes>\\n", errors on one line, every byte right', async () => {
    const requests = [PATHS.big, 'data/nope.bin', PATHS.labels, PATHS.empty, PATHS.readme, PATHS.big];
    const result = await run(['cat', '--batch', '--rev', 'HEAD~1'], requests.map((r) => `${r}\n`).join(''));
    assert.equal(result.code, 0, result.stderr);
    let at = 0;
    const line = (): string => {
      const end = result.stdout.indexOf(0x0a, at);
      const text = result.stdout.subarray(at, end).toString();
      at = end + 1;
      return text;
    };
    for (const request of requests) {
      const header = line();
      if (request === 'data/nope.bin') {
        assert.equal(header, `data/nope.bin error ${v1}:data/nope.bin does not exist`);
        continue;
      }
      const expected = content(request);
      assert.equal(header, `${request} ${expected.length}`);
      assert.ok(result.stdout.subarray(at, at + expected.length).equals(expected), `${request}: bytes differ`);
      at += expected.length;
      assert.equal(result.stdout[at], 0x0a, `${request}: no LF after the bytes`);
      at++;
    }
    assert.equal(at, result.stdout.length);
  });

  it('cat --batch as a co-process: each answer arrives while the input stays open; --json headers; -z', async () => {
    const co = new CoProcess(process.execPath, [CLI_PATH, 'cat', '--batch', '--json', '-z', '-j', '2'], { cwd: clone, env: rf.fx.box.env });
    try {
      for (const [request, expected] of [
        [PATHS.labels, V2.labels],
        [V2.newline.path, V2.newline.content],
        [PATHS.readme, V2.readme],
      ] as const) {
        co.send(`${request}\0`);
        const header = JSON.parse((await co.readRecord(0x0a)).toString()) as { path: string; size: number; localPath: string };
        assert.equal(header.path, request);
        assert.equal(header.size, expected.length);
        assert.ok((await co.readBytes(expected.length)).equals(expected), `${JSON.stringify(request)}: bytes differ`);
        assert.deepEqual(await co.readBytes(1), Buffer.from('\n'));
      }
      co.send('data/nope.bin\0');
      assert.deepEqual(JSON.parse((await co.readRecord(0x0a)).toString()), { path: 'data/nope.bin', error: 'data/nope.bin is not in the repository' });
      co.send(`${PATHS.empty}\0`);
      assert.equal((JSON.parse((await co.readRecord(0x0a)).toString()) as { size: number }).size, 0);
      assert.deepEqual(await co.readBytes(1), Buffer.from('\n'));
      co.end();
      assert.equal((await co.rest()).length, 0);
      assert.equal(await co.exited, 0);
      assert.equal(co.stderr, '');
    } finally {
      co.kill();
    }
  });

  it('a reader that goes away (| head) ends the batch quietly with status 0', async () => {
    const requests = Array.from({ length: 20 }, () => PATHS.labels).join('\n');
    const script = `set -o pipefail; printf '${requests.replace(/\n/g, '\\n')}\\n' | '${process.execPath}' '${CLI_PATH}' cat --batch | head -c 1000 >/dev/null`;
    const result = await runBinary('bash', ['-c', script], { cwd: clone, env: rf.fx.box.env });
    assert.equal(result.stderr, '');
    assert.equal(result.code, 0);
    // A co-process that stops reading without closing our input: the next answer ends the batch.
    const co = new CoProcess(process.execPath, [CLI_PATH, 'path', '--batch'], { cwd: clone, env: rf.fx.box.env });
    try {
      co.send(`${PATHS.readme}\n`);
      assert.equal((await co.readRecord(0x0a)).toString(), join(clone, PATHS.readme));
      co.closeOutput();
      co.send(`${PATHS.readme}\n`);
      assert.equal(await co.exited, 0);
      assert.equal(co.stderr, '');
    } finally {
      co.kill();
    }
  });

  it('the same object asked for several times within the read-ahead is downloaded once', async () => {
    const proxy = await startFaultProxy(rf.fx.server.endpoint);
    try {
      const fresh = await rf.lazyClone('clone-batch-once');
      const { oid, content: gone } = rf.file(PATHS.gone);
      const requests = Array.from({ length: 6 }, () => `${PATHS.gone}\n`).join('');
      const child = spawn(process.execPath, [CLI_PATH, 'cat', '--batch', '-j', '8'], { cwd: fresh, env: { ...rf.fx.box.env, ...faultEnv(proxy) } });
      const out: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stdin.end(requests);
      const code = await new Promise((resolve) => child.on('close', resolve));
      assert.equal(code, 0);
      const frame = Buffer.concat([Buffer.from(`${PATHS.gone} ${gone.length}\n`), gone, Buffer.from('\n')]);
      assert.ok(Buffer.concat(out).equals(Buffer.concat(Array.from({ length: 6 }, () => frame))));
      assert.equal(proxy.count({ method: 'GET', path: oid }), 1);
      assert.deepEqual(rf.tempFiles(fresh), []);
    } finally {
      await proxy.close();
    }
  });

  it('option errors: -j out of range, batch options without --batch, paths with --batch, no path', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['path', '--batch', '-j', '0'], /^lfs-lazy path: -j expects a number of concurrent requests from 1 to 256, got "0"\n$/],
      [['cat', '-z', PATHS.readme], /^lfs-lazy cat: -z goes with --batch\nusage: lfs-lazy cat/],
      [['path', '--json', PATHS.readme], /^lfs-lazy path: --json goes with --batch\n/],
      [['cat', '--batch', PATHS.readme], /^lfs-lazy cat: --batch reads the paths from stdin, not from the command line\n/],
      [['path'], /^lfs-lazy path: no path given\n/],
    ];
    for (const [args, expected] of cases) {
      const result = await run(args, '');
      assert.equal(result.code, 1, args.join(' '));
      assert.match(result.stderr, expected);
      assert.equal(result.stdout.length, 0);
    }
  });
});
