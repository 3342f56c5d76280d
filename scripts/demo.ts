// `npm run demo`: the whole lfs-lazy flow on this machine, with nothing to configure. Starts an
// S3-compatible server on 127.0.0.1, makes a repository with a JSON label map and a few audio
// clips, installs lfs-lazy, pushes, makes a lazy clone (pointers only, nothing downloaded),
// hydrates one path, shows `status`, reads another file with `cat`, and shows the bytes are right;
// then stops the server and removes everything it made.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLabelMap } from './lib/label-map.js';
import { isolatedGitEnv, S3RVER_CREDENTIALS } from './lib/isolated-env.js';
import { startS3rver } from '../test/helpers/s3rver.js';

const CLI = fileURLToPath(new URL('../src/cli/lfs-lazy.cjs', import.meta.url));

// Bold only on a terminal: piped into a file or a CI log, escape codes are noise.
const bold = process.stdout.isTTY && process.env['NO_COLOR'] === undefined;

function step(text: string): void {
  if (stopping) throw new Error('the demo was interrupted');
  console.log(bold ? `\n\x1b[1m==> ${text}\x1b[0m` : `\n==> ${text}`);
}

// The commands running now, each with its end: an interrupted demo stops them before it removes
// their directory, which one still writing into would otherwise bring back.
const running = new Map<ChildProcess, Promise<void>>();
let stopping = false;

async function stopChildren(): Promise<void> {
  stopping = true;
  for (const child of running.keys()) child.kill('SIGTERM');
  await Promise.all(running.values());
}

// `binary`: stdout is content, returned as latin1 and not echoed.
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, binary = false): Promise<string> {
  if (stopping) return Promise.reject(new Error('the demo was interrupted'));
  return new Promise((resolve, reject) => {
    console.log(`$ ${cmd === process.execPath ? 'lfs-lazy' : cmd} ${(cmd === process.execPath ? args.slice(1) : args).join(' ')}`);
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ended = new Promise<void>((done) => {
      child.once('close', done);
      child.once('error', done);
    });
    running.set(child, ended.then(() => void running.delete(child)));
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString(binary ? 'latin1' : 'utf8')));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const shown = (binary ? err : out + err).trim();
      if (shown) console.log(shown.replace(/^/gm, '    '));
      if (code === 0) resolve(out);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`));
    });
  });
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function main(): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'lfs-lazy-demo-'));
  step('starting a local S3 endpoint (s3rver) on 127.0.0.1');
  const server = await startS3rver({ bucket: 'datasets' });
  console.log(`    ${server.endpoint}, bucket "${server.bucket}"`);
  const home = join(root, 'home');
  await mkdir(home);
  const env = isolatedGitEnv(home, S3RVER_CREDENTIALS);
  const git = (args: string[], cwd: string) => run('git', args, cwd, env);
  const lfsLazy = (args: string[], cwd: string) => run(process.execPath, [CLI, ...args], cwd, env);
  // Ctrl-C or a kill: stop the server and remove the ~85 MB made so far, then end as interrupted.
  let cleaning: Promise<void> | undefined;
  // The demo's own writes may still be under way when a signal comes (it stops at its next step):
  // a file made during the removal makes a directory non-empty once more, and rm reads it again.
  const cleanUp = (): Promise<void> =>
    (cleaning ??= stopChildren()
      .then(() => server.stop())
      .finally(() => rm(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 })));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.log(`\ndemo interrupted (${signal}): removing ${root}`);
      void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    });
  }
  try {
    await git(['config', '--global', 'user.name', 'Demo'], root);
    await git(['config', '--global', 'user.email', 'demo@lfs-lazy.invalid'], root);
    await git(['config', '--global', 'init.defaultBranch', 'main'], root);

    const repo = join(root, 'labels-repo');
    const remote = join(root, 'remote.git');
    await git(['init', '-q', '--bare', remote], root);
    await git(['init', '-q', repo], root);
    const bytes = await writeLabelMap(join(repo, 'labels.json'), 250_000);
    step(`a repository with a ${(bytes / 1e6).toFixed(1)} MB JSON label map and three audio clips`);
    await writeFile(join(repo, 'README.md'), '# speech labels\n');
    await mkdir(join(repo, 'clips'));
    for (let i = 1; i <= 3; i++) await writeFile(join(repo, 'clips', `clip_${i}.wav`), Buffer.alloc(2_000_000, i));
    console.log(`    labels.json: ${(bytes / 1e6).toFixed(1)} MB, 250,000 samples`);

    step('lfs-lazy install (once per machine) and the committed storage config');
    await lfsLazy(['install'], repo);
    await lfsLazy(['install', '--url', `s3://${server.bucket}/speech`, '--endpoint', server.endpoint], repo);
    await git(['lfs', 'track', '*.json', '*.wav'], repo);
    await git(['add', '.'], repo);
    await git(['commit', '-q', '-m', 'labels v1'], repo);

    step('git push: the object goes to the bucket through the lfs-lazy agent');
    await git(['remote', 'add', 'origin', remote], repo);
    await git(['push', '-q', 'origin', 'main'], repo);
    const oid = await sha256File(join(repo, 'labels.json'));
    const key = `speech/${oid.slice(0, 2)}/${oid.slice(2, 4)}/${oid}`;
    const stored = await stat(join(server.dataDir, server.bucket, `${key}._S3rver_object`));
    console.log(`    s3://${server.bucket}/${key}: ${stored.size} bytes`);

    step('git clone: lazy — every LFS file stays a pointer, nothing is downloaded');
    const clone = join(root, 'clone');
    await git(['clone', '-q', remote, clone], root);
    const pointer = await readFile(join(clone, 'labels.json'), 'utf8');
    console.log(`    labels.json in the clone (${Buffer.byteLength(pointer)} bytes):\n${pointer.replace(/^/gm, '      ')}`);
    await lfsLazy(['status'], clone);

    step('lfs-lazy hydrate labels.json: fetch exactly that file');
    await lfsLazy(['hydrate', 'labels.json'], clone);
    const hydrated = await sha256File(join(clone, 'labels.json'));
    console.log(`    sha256 in the original: ${oid}`);
    console.log(`    sha256 in the clone:    ${hydrated}`);
    if (hydrated !== oid) throw new Error('the hydrated file differs from the original');
    await lfsLazy(['status'], clone);
    await git(['status', '--short'], clone);

    step('lfs-lazy cat clips/clip_2.wav: read a file on demand, working tree untouched');
    const catOut = await run(process.execPath, [CLI, 'cat', 'clips/clip_2.wav'], clone, env, true);
    const expected = Buffer.alloc(2_000_000, 2);
    if (!Buffer.from(catOut, 'latin1').equals(expected)) throw new Error('cat returned different bytes');
    console.log(`    ${Buffer.byteLength(catOut, 'latin1')} bytes, identical to the original clip`);

    await lfsLazy(['doctor'], clone);
    step('done: a lazy clone, one file hydrated, one read on demand — through your own bucket');
  } finally {
    await cleanUp();
  }
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
