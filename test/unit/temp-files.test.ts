// Owner tokens in temp names and the sweep that removes what killed processes left behind: never
// a file whose writer is alive, whatever its age; a dead writer's file at once; a file from another
// pid space (another host on a shared disk) only once it is an hour old.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadPid } from '../helpers/processes.js';
import { isProcessAlive, isStaleTemp, machineTag, ownerOf, ownerToken, sweepStaleTemps, STALE_FOREIGN_MS } from '../../src/util/temp-files.js';

const tokenOf = (pid: number, tag = machineTag()): string => `lfs-lazy-${tag}-${pid}-0123abcd`;
const FOREIGN = 'f0f0f0f0';

describe('owner tokens', () => {
  it('name this process and parse back; names without one have no owner', () => {
    const token = ownerToken();
    assert.match(token, new RegExp(`^lfs-lazy-${machineTag()}-${process.pid}-[0-9a-f]{8}$`));
    assert.notEqual(ownerToken(), token, 'each token is fresh');
    assert.deepEqual(ownerOf(`${'a'.repeat(64)}-${token}`), { tag: machineTag(), pid: process.pid });
    assert.deepEqual(ownerOf(`.t00.json.${token}.tmp`), { tag: machineTag(), pid: process.pid });
    for (const name of ['ingest-1234-abcdef', 'lfs-lazy-1234', `${'a'.repeat(64)}-1234-abcdefabcdef`, 'lfs-lazy-zzzzzzzz-12-0123abcd', 'lfs-lazy-0123abcd-0-0123abcd']) {
      assert.equal(ownerOf(name), undefined, name);
    }
  });

  it('the machine tag is stable and the same for every process of this machine', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', `import { machineTag } from ${JSON.stringify(new URL('../../src/util/temp-files.js', import.meta.url).href)}; process.stdout.write(machineTag());`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await once(child, 'close');
    assert.equal(out, machineTag());
    assert.match(machineTag(), /^[0-9a-f]{8}$/);
  });
});

describe('isProcessAlive', () => {
  it('is true for this process and a running child, false once it has exited', async () => {
    assert.equal(isProcessAlive(process.pid), true);
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
    try {
      assert.equal(isProcessAlive(child.pid!), true);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    assert.equal(isProcessAlive(child.pid!), false);
  });

  it('takes a zombie (killed, never reaped) for dead', { skip: !existsSync('/proc/self/stat') }, async () => {
    // python3 forks a child that exits at once, prints its pid and sleeps without ever waiting for
    // it: the child stays a zombie until the parent ends. (sh, which then became `sleep`, could
    // reap its background child itself when that exited before the exec: a CI run under load saw it.)
    const program = 'import os, time\npid = os.fork()\nif pid == 0:\n    os._exit(0)\nprint(pid, flush=True)\ntime.sleep(5)\n';
    const child = spawn('python3', ['-c', program], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      while (!out.includes('\n')) await sleep(10);
      const zombie = Number(out.trim());
      // Until `sleep 0` has exited, it is alive: wait for the kernel to say it is a zombie (state Z).
      const state = (): string => /\) (\S)/.exec(readFileSync(`/proc/${zombie}/stat`, 'utf8'))?.[1] ?? '';
      for (const deadline = Date.now() + 30_000; state() !== 'Z'; await sleep(10)) {
        if (Date.now() > deadline) throw new Error(`pid ${zombie} never became a zombie (state ${state()})`);
      }
      assert.equal(isProcessAlive(zombie), false);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
});

describe('isStaleTemp', () => {
  it('decides by the pid on this machine, by age elsewhere, and never for names without a token', async () => {
    const now = Date.now();
    const dead = await deadPid();
    assert.equal(isStaleTemp(`x-${tokenOf(process.pid)}`, 0, now), false, 'a live writer, however old the file');
    assert.equal(isStaleTemp(`x-${tokenOf(dead)}`, now, now), true, 'a dead writer, however new the file');
    assert.equal(isStaleTemp(`x-${tokenOf(dead, FOREIGN)}`, now - STALE_FOREIGN_MS + 60_000, now), false, 'another machine: too recent');
    assert.equal(isStaleTemp(`x-${tokenOf(process.pid, FOREIGN)}`, now - STALE_FOREIGN_MS - 1, now), true, 'another machine: over an hour old');
    assert.equal(isStaleTemp('someone-elses-file', 0, now), false);
  });
});

describe('sweepStaleTemps', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-sweep-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('removes the dead and the old foreign entries (directories too) and keeps everything else', async () => {
    const sweepDir = join(dir, 'a');
    await mkdir(sweepDir);
    const dead = await deadPid();
    const hourAgo = (Date.now() - STALE_FOREIGN_MS - 60_000) / 1000;
    const entries = {
      deadDownload: `${'a'.repeat(64)}-${tokenOf(dead)}`,
      deadIngest: `ingest-${tokenOf(dead)}`,
      liveDownload: `${'b'.repeat(64)}-${tokenOf(process.pid)}`,
      foreignNew: `${'c'.repeat(64)}-${tokenOf(dead, FOREIGN)}`,
      foreignOld: `${'d'.repeat(64)}-${tokenOf(dead, FOREIGN)}`,
      oldWithoutToken: `${'e'.repeat(64)}-1234-abcdefabcdef`,
    };
    for (const name of Object.values(entries)) await writeFile(join(sweepDir, name), 'partial');
    await utimes(join(sweepDir, entries.foreignOld), hourAgo, hourAgo);
    await utimes(join(sweepDir, entries.oldWithoutToken), hourAgo, hourAgo);
    // A killed agent's own temp directory, with a partial download in it.
    const deadAgentDir = tokenOf(dead);
    await mkdir(join(sweepDir, deadAgentDir));
    await writeFile(join(sweepDir, deadAgentDir, `${'f'.repeat(64)}-${tokenOf(dead)}`), 'partial');
    const liveAgentDir = tokenOf(process.pid);
    await mkdir(join(sweepDir, liveAgentDir));

    const removed = await sweepStaleTemps(sweepDir);
    assert.deepEqual(removed.sort(), [entries.deadDownload, entries.deadIngest, entries.foreignOld, deadAgentDir].sort());
    assert.deepEqual(
      (await readdir(sweepDir)).sort(),
      [entries.liveDownload, entries.foreignNew, entries.oldWithoutToken, liveAgentDir].sort(),
    );
  });

  it('applies `match` (the hidden .tmp files of a working-tree directory) and survives a missing directory', async () => {
    const worktreeDir = join(dir, 'w');
    await mkdir(worktreeDir);
    const dead = await deadPid();
    const temp = `.t00.json.${tokenOf(dead)}.tmp`;
    const userFile = `notes-${tokenOf(dead)}.txt`;
    await writeFile(join(worktreeDir, temp), 'partial');
    await writeFile(join(worktreeDir, userFile), 'a user file that happens to look like a token');
    const removed = await sweepStaleTemps(worktreeDir, { match: (name) => name.startsWith('.') && name.endsWith('.tmp') });
    assert.deepEqual(removed, [temp]);
    assert.deepEqual(await readdir(worktreeDir), [userFile]);
    assert.deepEqual(await sweepStaleTemps(join(dir, 'nope')), []);
  });

  it('never removes the file of a writer that is still writing, and removes it once that writer is killed', async () => {
    const sweepDir = join(dir, 'live');
    await mkdir(sweepDir);
    // Another process writing its temp file, named with its own owner token.
    const script = [
      `import { ownerToken } from ${JSON.stringify(new URL('../../src/util/temp-files.js', import.meta.url).href)};`,
      "import { openSync, writeSync } from 'node:fs';",
      `const fd = openSync(${JSON.stringify(sweepDir)} + '/' + 'a'.repeat(64) + '-' + ownerToken(), 'wx');`,
      "writeSync(fd, 'x'.repeat(1024));",
      "process.stdout.write('ready\\n');",
      "setInterval(() => writeSync(fd, 'x'.repeat(1024)), 5);",
    ].join('\n');
    const writer = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(writer.stdout, 'data');
      const [name] = await readdir(sweepDir);
      assert.ok(name !== undefined && ownerOf(name)?.pid === writer.pid);
      assert.deepEqual(await sweepStaleTemps(sweepDir), []);
      // However old it looks: the pid decides on this machine.
      await utimes(join(sweepDir, name), 0, 0);
      assert.deepEqual(await sweepStaleTemps(sweepDir), []);
      assert.ok((await stat(join(sweepDir, name))).size > 0);
      writer.kill('SIGKILL');
      await once(writer, 'exit');
      assert.deepEqual(await sweepStaleTemps(sweepDir), [name]);
    } finally {
      writer.kill('SIGKILL');
    }
  });
});
