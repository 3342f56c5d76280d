import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { git } from '../git/git.js';
import type { RepositoryPaths } from '../git/repository-paths.js';
import { requireUrl, type ResolvedSettings } from '../config/settings.js';
import { AGENT_NAME } from '../install/install-plan.js';
import { startRepositoryContext, type RepositoryContext } from '../repository/context.js';
import type { ObjectStore } from '../store/object-store.js';
import { describeCredentialSource } from './credentials-source.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

interface DoctorState {
  cwd: string;
  env: NodeJS.ProcessEnv;
  context?: RepositoryContext;
  paths?: RepositoryPaths;
  resolved?: ResolvedSettings;
  store?: ObjectStore;
}

type Check = (state: DoctorState) => Promise<CheckResult | undefined>;

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}

const checks: Check[] = [
  async ({ cwd }) => {
    const out = await git(['--version'], { cwd }).catch(() => undefined);
    return out
      ? { name: 'git', ok: true, detail: out.stdout.trim() }
      : { name: 'git', ok: false, detail: 'git not found on PATH', fix: 'install git (apt-get install git)' };
  },
  async ({ cwd }) => {
    const out = await git(['lfs', 'version'], { cwd }).catch(() => undefined);
    return out
      ? { name: 'git-lfs', ok: true, detail: out.stdout.trim() }
      : { name: 'git-lfs', ok: false, detail: 'git lfs is not installed', fix: 'install git-lfs (apt-get install git-lfs)' };
  },
  async (state) => {
    try {
      // Logs (lfs-lazy.logfile) only where configured: stdout and stderr are the report's.
      state.context = await startRepositoryContext(state.cwd, { env: state.env, log: { name: 'lfs-lazy', quiet: true } }).context;
      state.paths = state.context.paths;
      return { name: 'repository', ok: true, detail: state.paths.worktree ?? state.paths.gitDir };
    } catch (err) {
      return { name: 'repository', ok: false, detail: firstLine(err), fix: 'run lfs-lazy doctor inside the repository' };
    }
  },
  async ({ paths }) => {
    if (!paths) return undefined;
    const agent = paths.config.findLast(([k]) => k === 'lfs.standalonetransferagent')?.[1];
    const path = paths.config.findLast(([k]) => k === `lfs.customtransfer.${AGENT_NAME}.path`)?.[1];
    const ok = agent === AGENT_NAME && path !== undefined;
    return ok
      ? { name: 'install', ok, detail: `git-lfs uses the ${AGENT_NAME} agent (${path})` }
      : { name: 'install', ok, detail: `lfs.standalonetransferagent is ${agent ?? 'not set'}`, fix: 'run lfs-lazy install' };
  },
  async (state) => {
    if (!state.context) return undefined;
    try {
      state.resolved = await state.context.settings();
      const url = requireUrl(state.resolved);
      const { settings, sources } = state.resolved;
      const extras = [settings.endpoint && `endpoint ${settings.endpoint}`, settings.region && `region ${settings.region}`].filter(Boolean);
      return { name: 'config', ok: true, detail: `${url} (from ${sources.url})${extras.length ? `, ${extras.join(', ')}` : ''}` };
    } catch (err) {
      return { name: 'config', ok: false, detail: firstLine(err), fix: 'lfs-lazy install --url s3://bucket/prefix, then commit .lfslazyconfig' };
    }
  },
  async ({ resolved, env }) => {
    if (!resolved?.settings.url?.startsWith('s3://')) return undefined;
    return { name: 'credentials', ok: true, detail: describeCredentialSource(env, resolved.settings.profile) };
  },
  async (state) => {
    if (!state.context || !state.resolved?.settings.url) return undefined;
    try {
      state.store = await state.context.remote();
      await (state.store as ObjectStore & { checkBucket?: () => Promise<void> }).checkBucket?.();
      return { name: 'bucket', ok: true, detail: `${state.store.url} is reachable` };
    } catch (err) {
      return { name: 'bucket', ok: false, detail: firstLine(err), fix: 'check the bucket name, endpoint, region and credentials' };
    }
  },
  async ({ store }) => {
    if (!store) return undefined;
    const dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-doctor-'));
    try {
      const probe = Buffer.from(`lfs-lazy doctor probe ${randomBytes(16).toString('hex')}\n`);
      const oid = createHash('sha256').update(probe).digest('hex');
      await writeFile(join(dir, 'probe'), probe);
      await store.put(oid, probe.length, join(dir, 'probe'));
      const back = await text(await store.get(oid));
      await store.delete(oid);
      if (back !== probe.toString()) {
        return { name: 'probe', ok: false, detail: 'the probe object came back with different bytes', fix: 'set lfs-lazy.checksum = when_required for S3-compatible stores' };
      }
      return { name: 'probe', ok: true, detail: `put, get and delete of ${store.locate(oid)} worked` };
    } catch (err) {
      return { name: 'probe', ok: false, detail: firstLine(err), fix: 'the credentials need s3:PutObject, s3:GetObject and s3:DeleteObject on the prefix' };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
];

export async function runChecks(state: DoctorState, report: (result: CheckResult) => void): Promise<boolean> {
  let allOk = true;
  try {
    for (const check of checks) {
      const result = await check(state);
      if (!result) continue;
      allOk &&= result.ok;
      report(result);
    }
  } finally {
    state.context?.close();
  }
  return allOk;
}
