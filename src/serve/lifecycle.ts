// `lfs-lazy serve` from start to stop: a fresh token, the server, the one line that says where it
// is (announced, and written owner-only into the git dir for whoever did not start it), then a
// wait for SIGTERM, SIGINT or — with an idle limit — that long without a request; then a stop
// that ends every response, leaves no temp file, and removes the URL file.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RepositoryContext } from '../repository/context.js';
import { LfsSnapshots } from '../repository/lfs-snapshots.js';
import type { Target } from './request-target.js';
import { revisionLookup } from './revision-files.js';
import type { Lookup } from './served-file.js';
import { startServer, type ListenOptions } from './server.js';
import { newToken } from './token.js';
import { worktreeFile } from './worktree-files.js';

export interface ServeOptions extends ListenOptions {
  // Stop after this long with no request in flight.
  idleExitMs?: number | undefined;
}

export type StopReason = 'SIGTERM' | 'SIGINT' | 'idle';

// Where the URL line is kept while the server runs: <git dir>/lfs-lazy/serve.url.
export function urlFilePath(ctx: RepositoryContext): string {
  return join(ctx.paths.gitDir, 'lfs-lazy', 'serve.url');
}

export async function serve(ctx: RepositoryContext, root: string, options: ServeOptions, announce: (line: string) => void): Promise<StopReason> {
  const token = newToken();
  const snapshots = new LfsSnapshots(root, ctx.paths.gitDir);
  const find = (target: Target): Promise<Lookup> =>
    target.rev === undefined ? worktreeFile(ctx, root, snapshots, target.path) : revisionLookup(ctx, root, snapshots, target.rev, target.path);
  const server = await startServer({ token, find, logger: ctx.logger }, options, ctx.logger);
  const urlFile = urlFilePath(ctx);
  let reason: StopReason;
  try {
    await writePrivate(urlFile, `${server.url}\n`);
    announce(server.url);
    ctx.logger.info({ idleExitMs: options.idleExitMs }, 'serve: listening');
    // The first read would otherwise list the index (git runs) and, for an object not here, load
    // the AWS SDK and resolve the endpoint and the credentials (≈ 50 ms here): done now, while the
    // caller reads the URL line. What fails here fails that read as it would have.
    const unready = (err: unknown) => ctx.logger.debug({ err }, 'serve: could not make ready ahead of the first read');
    void snapshots.prepare().catch(unready);
    void ctx.remote().then((store) => store.prepare?.()).catch(unready);
    reason = await stopTrigger(options.idleExitMs, server);
  } finally {
    await server.stop();
    await removeIfOurs(urlFile, `${server.url}\n`);
  }
  ctx.logger.info({ reason }, 'serve: stopped');
  return reason;
}

// The first of SIGTERM, SIGINT and the idle limit.
function stopTrigger(idleExitMs: number | undefined, server: { readonly active: number; onActivity(listener: () => void): void }): Promise<StopReason> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (reason: StopReason): void => {
      clearTimeout(timer);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      resolve(reason);
    };
    const onTerm = (): void => finish('SIGTERM');
    const onInt = (): void => finish('SIGINT');
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
    if (idleExitMs === undefined) return;
    // Counted from the end of the last request (a long download is not idleness).
    const arm = (): void => {
      clearTimeout(timer);
      if (server.active === 0) timer = setTimeout(() => finish('idle'), idleExitMs);
    };
    server.onActivity(arm);
    arm();
  });
}

// Owner-only from its first byte (the token is a secret), and complete whenever it is there.
async function writePrivate(path: string, text: string): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

// Another server of the same repository may have written its own line since.
async function removeIfOurs(path: string, text: string): Promise<void> {
  const now = await readFile(path, 'utf8').catch(() => undefined);
  if (now === text) await rm(path, { force: true });
}
