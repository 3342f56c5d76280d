// The two repositories of one sequence. ORACLE runs plain git-lfs (its own filter, eager) with
// lfs-lazy's agent only as the transfer agent to a file:// store; SUBJECT runs lfs-lazy
// (`lfs-lazy install --local`). Each has a remote and a store of its own, copies of the same ones
// at the start, so that what one pushes is not what the other's push finds already there.
// Three starting points:
// - clone: someone pushed the history; ORACLE is an eager clone, SUBJECT a lazy one (pointers);
// - author: each repository made the history itself (same commits, same hashes), SUBJECT
//   pushed it, ORACLE fetched: every object is local and the files are content;
// - author-unpublished: the same with no remote at all: every object exists only locally.
// Each starting point is built once per process (seconds of git, git-lfs and node start-ups)
// and copied for every sequence.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedGitEnv } from '../../scripts/lib/isolated-env.js';
import { exec, execOk, type ExecResult } from './exec.js';
import { GITATTRIBUTES, lfsContent, plainContent } from './universe.js';

export const CLI_PATH = fileURLToPath(new URL('../../src/cli/lfs-lazy.cjs', import.meta.url));
export const AGENT_PATH = fileURLToPath(new URL('../../src/cli/agent-main.cjs', import.meta.url));

export const MODES = ['clone', 'author', 'author-unpublished'] as const;
export type Mode = (typeof MODES)[number];
export type Side = 'oracle' | 'subject';
// What runs in SUBJECT: lfs-lazy, or — to check the harness itself — plain git-lfs like ORACLE,
// where every sequence must pass.
export type SubjectKind = 'lfs-lazy' | 'git-lfs';

export interface World {
  mode: Mode;
  subjectKind: SubjectKind;
  root: string;
  // Each side's file:// store (lfs-lazy.url) and bare remote (origin).
  stores: Record<Side, string>;
  remotes: Record<Side, string>;
  dirs: Record<Side, string>;
  // What every command of the sequence runs with (an isolated HOME, fixed commit dates).
  env: NodeJS.ProcessEnv;
  git(side: Side, args: string[], input?: string): Promise<ExecResult>;
  lazy(args: string[]): Promise<ExecResult>;
  cleanup(): Promise<void>;
}

// The history every sequence starts from (content ids; see universe.ts): main has two commits,
// side forks from the first. Some paths share content (c.bin = a.bin's first version, …).
const BASE: Record<string, string> = {
  'a.bin': 'init-1', 'b.bin': 'init-2', 'c.bin': 'init-1', 'data/d.bin': 'init-3',
  'data/e.bin': 'init-4', 'more/f.bin': 'init-5', 'notes.txt': 'init-notes', 'data/info.txt': 'init-info',
};
const MAIN_2: Record<string, string> = { 'a.bin': 'init-6', 'data/d.bin': 'init-7' };
const SIDE: Record<string, string> = { 'b.bin': 'init-8', 'more/f.bin': 'init-2', 'notes.txt': 'init-side-notes' };

const gitEnv = (root: string): NodeJS.ProcessEnv =>
  isolatedGitEnv(join(root, 'home'), { GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z', GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z' });

const templates = new Map<string, Promise<string>>();
// Roots of the worlds not cleaned up yet, so that an interrupted run can remove them too.
const openWorlds = new Set<string>();

export async function makeWorld(mode: Mode, subjectKind: SubjectKind = 'lfs-lazy'): Promise<World> {
  const key = `${mode} ${subjectKind}`;
  if (!templates.has(key)) templates.set(key, buildTemplate(mode, subjectKind));
  const template = await templates.get(key)!;
  const root = await mkdtemp(join(tmpdir(), 'lfs-lazy-diff-'));
  openWorlds.add(root);
  const env = gitEnv(root);
  const dirs = { oracle: join(root, 'oracle'), subject: join(root, 'subject') };
  const stores = { oracle: join(root, 'store-oracle'), subject: join(root, 'store') };
  const remotes = { oracle: join(root, 'remote-oracle.git'), subject: join(root, 'remote.git') };
  try {
    await cp(template, root, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    await cp(stores.subject, stores.oracle, { recursive: true });
    if (mode !== 'author-unpublished') await cp(remotes.subject, remotes.oracle, { recursive: true });
    for (const side of ['oracle', 'subject'] as const) {
      await execOk('git', ['config', 'lfs-lazy.url', `file://${stores[side]}`], { cwd: dirs[side], env });
      if (mode !== 'author-unpublished') await execOk('git', ['config', 'remote.origin.url', remotes[side]], { cwd: dirs[side], env });
    }
  } catch (err) {
    await removeWorld(root);
    throw err;
  }
  return {
    mode,
    subjectKind,
    root,
    stores,
    remotes,
    dirs,
    env,
    git: (side, args, input) => exec('git', args, { cwd: dirs[side], env, ...(input !== undefined && { input }) }),
    lazy: (args) => exec(process.execPath, [CLI_PATH, ...args], { cwd: dirs.subject, env }),
    cleanup: () => removeWorld(root),
  };
}

async function removeWorld(root: string): Promise<void> {
  openWorlds.delete(root);
  await rm(root, { recursive: true, force: true });
}

// Removes the starting points and any world still open (at the end of a run, or on Ctrl-C).
// A world kept for inspection (--keep) outlives the run: disposeAll leaves it.
export function keepWorld(root: string): void {
  openWorlds.delete(root);
}

export async function disposeAll(): Promise<void> {
  const roots = await Promise.allSettled(templates.values());
  templates.clear();
  for (const r of roots) if (r.status === 'fulfilled') await rm(r.value, { recursive: true, force: true });
  for (const root of [...openWorlds]) await removeWorld(root);
}

async function buildTemplate(mode: Mode, subjectKind: SubjectKind): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), `lfs-lazy-diff-template-${mode}-`));
  try {
    await setUp(mode, subjectKind, root);
    return root;
  } catch (err) {
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}

async function setUp(mode: Mode, subjectKind: SubjectKind, root: string): Promise<void> {
  const storeDir = join(root, 'store');
  const remote = join(root, 'remote.git');
  const dirs = { oracle: join(root, 'oracle'), subject: join(root, 'subject') };
  await mkdir(join(root, 'home'));
  await mkdir(storeDir);
  const env = gitEnv(root);
  const run = (cwd: string, cmd: string, args: string[]) => execOk(cmd, args, { cwd, env });
  const git = (cwd: string, ...args: string[]) => run(cwd, 'git', args);
  const global = [
    ['user.name', 'differential'], ['user.email', 'differential@lfs-lazy.invalid'], ['init.defaultBranch', 'main'],
    ['gc.auto', '0'], ['advice.detachedHead', 'false'],
    // One agent per transfer: git-lfs starts them one after another, 8 cost seconds per checkout.
    ['lfs.concurrenttransfers', '1'],
    // `git lfs prune` keeps only what HEAD, stashes and unpushed commits need: no "recent" window,
    // which would depend on today's date.
    ['lfs.fetchrecentrefsdays', '0'], ['lfs.fetchrecentcommitsdays', '0'], ['lfs.pruneoffsetdays', '0'],
  ];
  for (const [key, value] of global) await git(root, 'config', '--global', key!, value!);

  // The store is named in each repository's git config (lfs-lazy.url), not in a committed
  // .lfslazyconfig, so that a copy of the template can point at its own store.
  const installOracle = async (dir: string) => {
    await git(dir, 'lfs', 'install', '--local');
    await git(dir, 'config', 'lfs.standalonetransferagent', 'lfs-lazy');
    await git(dir, 'config', 'lfs.customtransfer.lfs-lazy.path', process.execPath);
    await git(dir, 'config', 'lfs.customtransfer.lfs-lazy.args', AGENT_PATH);
    await git(dir, 'config', 'lfs-lazy.url', `file://${storeDir}`);
    // An object missing here at push time (`git lfs prune` drops pushed objects) is in the store:
    // a sequence where git-lfs loses one ends first (runner.ts). Against an LFS server git-lfs lets
    // the server say it has such objects; with a standalone agent it cannot ask and refuses the
    // whole push, where lfs-lazy's pre-push hook asks the bucket (seed 1003044). So the oracle
    // pushes what the user of an LFS server could.
    await git(dir, 'config', 'lfs.allowincompletepush', 'true');
  };
  const installSubject = async (dir: string) => {
    if (subjectKind === 'git-lfs') return installOracle(dir);
    await run(dir, process.execPath, [CLI_PATH, 'install', '--local']);
    await git(dir, 'config', 'lfs-lazy.url', `file://${storeDir}`);
  };
  const writeFiles = async (dir: string, files: Record<string, string>) => {
    for (const [path, id] of Object.entries(files)) {
      await mkdir(dirname(join(dir, path)), { recursive: true });
      await writeFile(join(dir, path), path.endsWith('.bin') ? lfsContent(id) : plainContent(id));
    }
  };
  // A commit on `branch` with these files changed, through a temporary index (the clean filter
  // still stores the objects); the working tree is left alone.
  const commitBeside = async (dir: string, branch: string, files: Record<string, string>) => {
    const indexEnv = { ...env, GIT_INDEX_FILE: join(root, 'side.index') };
    const plumb = async (args: string[], input?: Buffer) => (await execOk('git', args, { cwd: dir, env: indexEnv, ...(input && { input }) })).toString().trim();
    await plumb(['read-tree', branch]);
    for (const [path, id] of Object.entries(files)) {
      const blob = await plumb(['hash-object', '-w', '--stdin', `--path=${path}`], path.endsWith('.bin') ? lfsContent(id) : plainContent(id));
      await plumb(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`]);
    }
    const commit = await plumb(['commit-tree', await plumb(['write-tree']), '-p', branch, '-m', branch]);
    await plumb(['update-ref', `refs/heads/${branch}`, commit]);
    await rm(indexEnv.GIT_INDEX_FILE, { force: true });
  };
  // Made without checking anything out after the first commit: in the author modes, the set-up
  // is not one of the steps under test.
  const makeHistory = async (dir: string) => {
    await writeFile(join(dir, '.gitattributes'), GITATTRIBUTES);
    await writeFiles(dir, BASE);
    await git(dir, 'add', '-A');
    await git(dir, 'commit', '-q', '-m', 'base');
    await git(dir, 'branch', 'side');
    await writeFiles(dir, MAIN_2);
    await git(dir, 'commit', '-q', '-am', 'main 2');
    await commitBeside(dir, 'side', SIDE);
  };

  if (mode === 'clone') {
    const author = join(root, 'author');
    await git(root, 'init', '-q', '--bare', remote);
    await git(root, 'init', '-q', author);
    await installOracle(author);
    await makeHistory(author);
    await git(author, 'push', '-q', remote, 'main', 'side');
    await rm(author, { recursive: true, force: true });
    for (const side of ['oracle', 'subject'] as const) {
      await git(root, 'clone', '-q', '--no-checkout', remote, dirs[side]);
      await (side === 'oracle' ? installOracle(dirs[side]) : installSubject(dirs[side]));
      await git(dirs[side], 'checkout', '-q', 'main');
      await git(dirs[side], 'branch', '-q', 'side', 'origin/side');
    }
  } else {
    for (const side of ['oracle', 'subject'] as const) {
      await git(root, 'init', '-q', dirs[side]);
      await (side === 'oracle' ? installOracle(dirs[side]) : installSubject(dirs[side]));
      await makeHistory(dirs[side]);
    }
    if (mode === 'author') {
      await git(root, 'init', '-q', '--bare', remote);
      await git(dirs.subject, 'remote', 'add', 'origin', remote);
      await git(dirs.subject, 'push', '-q', 'origin', 'main', 'side');
      await git(dirs.oracle, 'remote', 'add', 'origin', remote);
      await git(dirs.oracle, 'fetch', '-q', 'origin');
      await git(dirs.subject, 'fetch', '-q', 'origin');
    }
  }
}
