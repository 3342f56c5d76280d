import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { git } from '../git/git.js';
import type { RepositoryPaths } from '../git/repository-paths.js';
import { requireUrl, type ResolvedSettings } from '../config/settings.js';
import { knownHooksDir, prePushHookKind, readHook } from '../install/hooks.js';
import { AGENT_NAME } from '../install/install-plan.js';
import { startRepositoryContext, type RepositoryContext } from '../repository/context.js';
import type { ObjectStore } from '../store/object-store.js';
import { describeCredentialSource } from './credentials-source.js';
import { hasLfsPatterns, largeFilesOutsideLfs, LARGE_FILE_BYTES } from '../repository/setup-mistakes.js';
import { AccessDeniedError, messageOf } from '../errors/index.js';

export interface CheckResult {
  name: string;
  ok: boolean;
  // Not a failure (the exit code stays 0), but likely a mistake: printed as `warn` with its fix.
  warning?: boolean;
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

// The error's first line, without the advice to run doctor that store errors carry for other
// commands: here it would send the user round in a circle.
function firstLine(err: unknown): string {
  const line = messageOf(err).split('\n')[0] ?? '';
  return line.replace(/ or run `lfs-lazy doctor`/, '');
}

const formatMiB = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

// What to do about a store failure, by its cause: each needs a different fix.
function storeFix(err: unknown, resolved: ResolvedSettings | undefined): string {
  const message = messageOf(err);
  const endpoint = resolved?.settings.endpoint ?? 'AWS S3';
  if (err instanceof AccessDeniedError && /no AWS credentials were found/.test(message)) {
    return 'give this machine credentials: AWS_PROFILE (a profile in ~/.aws/credentials), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  if (err instanceof AccessDeniedError) {
    return 'the credentials were refused: check the access key and secret (or AWS_PROFILE), and that they allow s3:GetObject, s3:PutObject and s3:DeleteObject on the prefix';
  }
  if (/does not exist/.test(message)) return `create the bucket at ${endpoint}, or correct lfs-lazy.url (s3://bucket/prefix)`;
  if (/certificate|CERT|TLS/i.test(message)) return 'trust the server\'s certificate: NODE_EXTRA_CA_CERTS=/path/to/ca.pem (docs/configuration.md, TLS)';
  if (/connection refused|DNS lookup failed|ENOTFOUND|host unreachable|network unreachable|timed out|no connection within/.test(message)) {
    return `nothing answers at ${endpoint}: start the server, or correct lfs-lazy.endpoint (and lfs-lazy.region)`;
  }
  return 'check lfs-lazy.url, lfs-lazy.endpoint and lfs-lazy.region (docs/configuration.md)';
}

// Node versions the pinned AWS SDK supports, and until when (its notice: releases after the first
// week of January 2027 require Node 22). Kept with the pin in package.json.
export const NODE_SUPPORT = { minimum: 20, sdkRequiresFrom: 22, until: 'January 2027' };

const checks: Check[] = [
  async () => {
    const major = Number(process.versions.node.split('.')[0]);
    if (major < NODE_SUPPORT.minimum) {
      return { name: 'node', ok: false, detail: `node ${process.version} is older than ${NODE_SUPPORT.minimum}`, fix: `install Node.js ${NODE_SUPPORT.sdkRequiresFrom} or newer` };
    }
    const horizon = major < NODE_SUPPORT.sdkRequiresFrom ? `; supported until the AWS SDK's releases of ${NODE_SUPPORT.until}, which need Node ${NODE_SUPPORT.sdkRequiresFrom}` : '';
    return { name: 'node', ok: true, detail: `node ${process.version}${horizon}` };
  },
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
      return { name: 'repository', ok: false, detail: firstLine(err), fix: 'change to the repository\'s directory (or one of its subdirectories) first' };
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
  async ({ paths }) => {
    const root = paths?.worktree;
    if (!paths || !root) return undefined;
    const hooks = knownHooksDir(paths) ?? (await git(['rev-parse', '--path-format=absolute', '--git-path', 'hooks'], { cwd: root })).stdout.trim();
    const hook = join(hooks, 'pre-push');
    const fix = `run lfs-lazy install --local here (a hook of your own: have it call lfs-lazy pre-push "$@")`;
    switch (prePushHookKind(await readHook(hook))) {
      case 'lfs-lazy':
      case 'calls lfs-lazy':
        return { name: 'push hook', ok: true, detail: `${hook} uploads through git-lfs, and lets a push name objects never downloaded here that the bucket has` };
      case 'calls git-lfs':
        return { name: 'push hook', ok: true, warning: true, detail: `${hook} calls git lfs pre-push, not lfs-lazy's: a push naming objects never downloaded here (a revert, a cherry-pick) is refused`, fix };
      case 'none':
        // Nothing goes to LFS yet: the filter installs the hook with the first file that does.
        if (!(await hasLfsPatterns(root))) return { name: 'push hook', ok: true, detail: `none yet (no file goes to LFS here; the filter installs it with the first)` };
        return { name: 'push hook', ok: false, detail: `${hook} is missing or never calls git-lfs: git push uploads no LFS object`, fix };
    }
  },
  async ({ paths }) => {
    const root = paths?.worktree;
    if (!root) return undefined;
    if (await hasLfsPatterns(root)) return { name: 'lfs patterns', ok: true, detail: '.gitattributes sends files to LFS (filter=lfs)' };
    return {
      name: 'lfs patterns',
      ok: true,
      warning: true,
      detail: 'no .gitattributes names filter=lfs: every file goes into git itself, none into the bucket',
      fix: "git lfs track '*.bin' (each large file type), then commit .gitattributes",
    };
  },
  async ({ paths }) => {
    const root = paths?.worktree;
    if (!root) return undefined;
    const large = await largeFilesOutsideLfs(root);
    const limit = formatMiB(LARGE_FILE_BYTES);
    if (large.length === 0) return { name: 'large files', ok: true, detail: `none over ${limit} is committed outside LFS` };
    const named = large.slice(0, 3).map((f) => `${f.path} (${formatMiB(f.size)})`).join(', ');
    return {
      name: 'large files',
      ok: true,
      warning: true,
      detail: `${large.length} file${large.length === 1 ? '' : 's'} over ${limit} ${large.length === 1 ? 'is' : 'are'} in git, not LFS: ${named}${large.length > 3 ? ', …' : ''}`,
      fix: "git lfs track the type (e.g. git lfs track '*.bin'), then git rm --cached <file> and git add <file>; git lfs migrate import --include=… rewrites the history too",
    };
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
  async (state) => {
    const { resolved, env, context } = state;
    if (!context || !resolved?.settings.url?.startsWith('s3://')) return undefined;
    const source = describeCredentialSource(env, resolved.settings.profile);
    try {
      state.store = await context.remote();
      await state.store.checkCredentials?.();
      return { name: 'credentials', ok: true, detail: source };
    } catch (err) {
      return { name: 'credentials', ok: false, detail: `${firstLine(err)} (looked in: ${source})`, fix: storeFix(err, resolved) };
    }
  },
  async (state) => {
    if (!state.context || !state.resolved?.settings.url) return undefined;
    try {
      state.store ??= await state.context.remote();
      await state.store.checkBucket?.();
      return { name: 'bucket', ok: true, detail: `${state.store.url} is reachable` };
    } catch (err) {
      delete state.store;
      return { name: 'bucket', ok: false, detail: firstLine(err), fix: storeFix(err, state.resolved) };
    }
  },
  async (state) => {
    const { store } = state;
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
      return { name: 'probe', ok: false, detail: firstLine(err), fix: storeFix(err, state.resolved) };
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
