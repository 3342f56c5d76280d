// A real S3 implementation for the tests: Ceph's RADOS Gateway on a single-host cluster (one mon,
// an optional mgr, one memstore OSD, radosgw), every daemon a child process run in the foreground (`-f`)
// on 127.0.0.1, everything under one temp directory. The facts behind each setting are in
// ../shared/reference/ceph-rgw-on-loopback.md (the key without which the gateway hangs:
// `ms mon client mode = crc secure`).
//
// Cost: ~15 s to start, ~0.5 GB of RAM. So a test process starts it at most once
// (`sharedRadosgw()`, a lazily started singleton stopped when the process ends), and the tests that
// need it live in as few files as possible (node's runner gives each test file its own process):
// test/contract/radosgw.test.ts holds the store contract and the end-to-end flows against it.
//
// It never skips: if the packages are missing or a daemon does not come up, startRadosgw() throws
// with the tail of the daemon's log, and the tests that wanted it fail.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface RadosgwHandle {
  endpoint: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  // The daemons' temp directory (logs, config).
  dir: string;
  // Seconds from nothing to an answering gateway with the user and the bucket.
  startSeconds: number;
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
// Known test keys: the gateway is on loopback and lives as long as one test process.
const ACCESS_KEY = 'LFSLAZYRGWTEST0000AK';
const SECRET_KEY = 'lfs-lazy-radosgw-test-secret-key-000000000';
const BUCKET = 'lfs-test';
const START_TIMEOUT_MS = 120_000;

interface Daemon {
  name: string;
  child: ChildProcess;
  log: string;
  exited: Promise<void>;
}

export const RADOSGW_PACKAGES = 'ceph-mon ceph-osd ceph-mgr radosgw ceph-common';

// Everything the helper runs, so a missing package is named at once.
const BINARIES = ['monmaptool', 'ceph-mon', 'ceph-mgr', 'ceph-osd', 'ceph', 'radosgw', 'radosgw-admin'];

// `mgr`: also start a manager (default true); nothing S3 needs it.
export async function startRadosgw(options: { mgr?: boolean } = {}): Promise<RadosgwHandle> {
  const started = Date.now();
  const missing = BINARIES.filter((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status !== 0);
  if (missing.length > 0) {
    throw new Error(`radosgw tests need ${missing.join(', ')}: apt-get install -y --no-install-recommends ${RADOSGW_PACKAGES}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'lfs-lazy-rgw-'));
  const daemons: Daemon[] = [];
  let stopped = false;

  // Synchronous, for process 'exit' and signals: kill what is left, remove the directory.
  const killAll = (): void => {
    for (const d of daemons) if (d.child.exitCode === null && d.child.signalCode === null) d.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killAll);
    // radosgw, osd, mgr, mon: the reverse of the order they started in.
    for (const d of [...daemons].reverse()) {
      if (d.child.exitCode === null && d.child.signalCode === null) {
        d.child.kill('SIGTERM');
        const timer = setTimeout(() => d.child.kill('SIGKILL'), 5_000);
        await d.exited;
        clearTimeout(timer);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killAll);

  try {
    const [monV2, monV1, rgwPort, portBase] = await Promise.all([freePort(), freePort(), freePort(), freePortRange(64)]);
    const conf = join(dir, 'ceph.conf');
    const fsid = randomUUID();
    await writeFile(conf, config({ dir, fsid, monV2, monV1, rgwPort, portBase }));
    for (const sub of ['mon', 'osd', 'mgr/ceph-x', 'rgw/ceph-rgw.gw', 'run', 'log', 'crash']) await mkdir(join(dir, sub), { recursive: true });
    const tool = (command: string, args: string[]): Promise<string> => runTool(command, ['-c', conf, ...args], dir);
    const daemon = (name: string, command: string, args: string[]): Daemon => {
      const d = startDaemon(name, command, ['-c', conf, ...args, '-f'], join(dir, 'log', `${name}.log`));
      daemons.push(d);
      return d;
    };

    // 1. The monitor.
    const monmap = join(dir, 'monmap');
    await runTool('monmaptool', ['--create', '--fsid', fsid, '--addv', 'a', `[v2:${HOST}:${monV2},v1:${HOST}:${monV1}]`, monmap], dir);
    await tool('ceph-mon', ['--mkfs', '-i', 'a', '--monmap', monmap]);
    const mon = daemon('mon', 'ceph-mon', ['-i', 'a']);
    await waitUntil('the monitor to answer', [mon], () => tryTool('ceph', ['-c', conf, '--connect-timeout', '5', 'mon', 'stat'], dir));
    // 2. The manager (optional: I/O works without it, health only warns).
    if (options.mgr !== false) daemon('mgr', 'ceph-mgr', ['-i', 'x']);
    // 3. One OSD in memory.
    const osdUuid = randomUUID();
    const osdId = (await tool('ceph', ['osd', 'new', osdUuid])).trim();
    await mkdir(join(dir, 'osd', `ceph-${osdId}`), { recursive: true });
    await tool('ceph-osd', ['-i', osdId, '--mkfs', '--osd-uuid', osdUuid]);
    const osd = daemon('osd', 'ceph-osd', ['-i', osdId]);
    await waitUntil(`osd.${osdId} to be up`, [mon, osd], async () =>
      new RegExp(`^osd\\.${osdId} up`, 'm').test((await tryTool('ceph', ['-c', conf, 'osd', 'dump'], dir)) || ''),
    );
    // 4. The gateway.
    const rgw = daemon('radosgw', 'radosgw', ['-n', 'client.rgw.gw']);
    const endpoint = `http://${HOST}:${rgwPort}`;
    await waitUntil('radosgw to answer HTTP', [mon, osd, rgw], () => httpAnswers(endpoint));
    // 5. A user with known keys, and its bucket.
    await tool('radosgw-admin', ['user', 'create', '--uid=lfs-lazy-test', '--display-name=lfs-lazy test', `--access-key=${ACCESS_KEY}`, `--secret-key=${SECRET_KEY}`]);
    await createBucket(endpoint, BUCKET);
    return {
      endpoint,
      bucket: BUCKET,
      accessKeyId: ACCESS_KEY,
      secretAccessKey: SECRET_KEY,
      dir,
      startSeconds: (Date.now() - started) / 1000,
      stop,
    };
  } catch (err) {
    const tails = daemons.map((d) => `--- ${d.name} (${describeExit(d.child)}) ${d.log} ---\n${tail(d.log)}`).join('\n');
    await stop();
    throw new Error(`radosgw did not start: ${(err as Error).message}\n${tails}`);
  }
}

let shared: Promise<RadosgwHandle> | undefined;

// One gateway per test process, started on first use and stopped when the process ends (normally,
// on a failed test, or on SIGINT/SIGTERM). Suites call it in before(); nobody calls stop().
export function sharedRadosgw(): Promise<RadosgwHandle> {
  if (shared) return shared;
  // No mgr: S3 I/O does not need one (health only warns), and it spends CPU the tests need.
  shared = startRadosgw({ mgr: false });
  void shared.then(
    (handle) => {
      const onSignal = (signal: NodeJS.Signals): void => {
        void handle.stop().finally(() => process.kill(process.pid, signal));
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      // Last thing before the process exits on its own: the test runner has finished every suite.
      process.once('beforeExit', () => void handle.stop());
    },
    () => undefined,
  );
  return shared;
}

// What a test process (or a spawned agent) needs to reach the gateway through the default credential chain.
export function radosgwEnv(handle: RadosgwHandle): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: handle.accessKeyId,
    AWS_SECRET_ACCESS_KEY: handle.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

function config(p: { dir: string; fsid: string; monV2: number; monV1: number; rgwPort: number; portBase: number }): string {
  const { dir } = p;
  return `[global]
fsid = ${p.fsid}
mon host = [v2:${HOST}:${p.monV2},v1:${HOST}:${p.monV1}]
mon initial members = a
public addr = ${HOST}
cluster addr = ${HOST}
ms bind ipv6 = false
ms bind port min = ${p.portBase}
ms bind port max = ${p.portBase + 63}
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc secure
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
log file = ${dir}/log/$name.daemon.log
log to stderr = false
err to stderr = true
mon cluster log file = ${dir}/log/cluster.log
crash dir = ${dir}/crash
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon warn on pool no redundancy = false
mon max pg per osd = 1000
mgr data = ${dir}/mgr/$cluster-$id

[mon]
mon data = ${dir}/mon/$cluster-$id

[osd]
osd data = ${dir}/osd/$cluster-$id
osd objectstore = memstore
memstore device bytes = ${8 * 1024 ** 3}
osd max object size = 134217728

[client.rgw.gw]
rgw frontends = beast endpoint=${HOST}:${p.rgwPort}
rgw dns name = ${HOST}
rgw data = ${dir}/rgw/$cluster-$id
`;
}

function startDaemon(name: string, command: string, args: string[], log: string): Daemon {
  // Output goes to a file the failure message can quote; the daemon stays in our process group.
  const out = `${log}`;
  const child = spawn('sh', ['-c', `exec "$0" "$@" >>'${out}' 2>&1`, command, ...args], { stdio: 'ignore' });
  // The daemons must not keep the test process alive: once its tests are done, 'beforeExit' stops them.
  child.unref();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { name, child, log: out, exited };
}

function runTool(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${tail(err, 10, true)}`));
    });
  });
}

async function tryTool(command: string, args: string[], cwd: string): Promise<string | false> {
  try {
    return await runTool(command, args, cwd);
  } catch {
    return false;
  }
}

// Polls `ready` until it holds; fails at once when one of `watch` has exited.
async function waitUntil(what: string, watch: Daemon[], ready: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const dead = watch.find((d) => d.child.exitCode !== null || d.child.signalCode !== null);
    if (dead) throw new Error(`${dead.name} exited (${describeExit(dead.child)}) while waiting for ${what}`);
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${START_TIMEOUT_MS / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

function httpAnswers(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(endpoint, { method: 'GET', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(true);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

// Creating the bucket as the user (not with radosgw-admin) makes the user its owner. The first
// request can meet a gateway whose pools are still being created: retried briefly.
async function createBucket(endpoint: string, bucket: string): Promise<void> {
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint, forcePathStyle: true, region: 'us-east-1',
    credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: SECRET_KEY },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
}

function describeExit(child: ChildProcess): string {
  if (child.exitCode !== null) return `exit ${child.exitCode}`;
  if (child.signalCode !== null) return child.signalCode;
  return `running, pid ${child.pid}`;
}

function tail(textOrPath: string, lines = 25, isText = false): string {
  let text = textOrPath;
  if (!isText) {
    try {
      text = existsSync(textOrPath) ? readFileSync(textOrPath, 'utf8') : '(no log)';
    } catch {
      text = '(log unreadable)';
    }
  }
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, HOST, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

// The first port of `count` consecutive ports that are free now (the OSD and mgr bind from it).
async function freePortRange(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let free = true;
    for (let p = base; p < base + count && free; p++) free = await portFree(p);
    if (free) return base;
  }
  throw new Error(`found no ${count} free consecutive ports on ${HOST}`);
}

function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}
