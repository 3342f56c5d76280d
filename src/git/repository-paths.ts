import { isAbsolute, join } from 'node:path';
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import { git, parseConfigList } from './git.js';

export interface RepositoryPaths {
  // Working tree root; undefined in a bare repository.
  worktree: string | undefined;
  gitDir: string;
  // Shared by all linked worktrees; where .git/lfs lives by default.
  commonDir: string;
  // git-lfs's storage dir: <commonDir>/lfs, or lfs.storage.
  lfsDir: string;
  objectsDir: string;
  tmpDir: string;
  // The command runs inside the .git directory of a repository that has a working tree.
  insideGitDir: boolean;
  // Where the command runs, relative to the working tree root ("data/train/", or ""); "" outside a working tree.
  prefix: string;
  // git's index file (GIT_INDEX_FILE, else <gitDir>/index), absolute.
  indexFile: string;
  // Every `git config --list` entry, so callers need not run git again for their own keys.
  config: Array<[string, string]>;
}

// The agent runs in the user's cwd (maybe a subdirectory) without GIT_DIR, so everything is asked
// of git rather than derived from the cwd.
export async function resolveRepositoryPaths(cwd: string = process.cwd()): Promise<RepositoryPaths> {
  const [revParse, configList] = await Promise.all([
    // --show-toplevel fails (128) in a bare repository after printing the rest, hence okCodes.
    git(['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir', '--is-bare-repository', '--is-inside-git-dir', '--git-path', 'index', '--show-prefix', '--show-toplevel'], {
      cwd,
      okCodes: [128],
    }),
    git(['config', '-z', '--list'], { cwd, okCodes: [1] }),
  ]);
  const [gitDir = '', commonDir = '', bare = '', insideGitDir = '', indexFile = '', prefix = '', toplevel] = revParse.stdout.split('\n');
  if (!gitDir || !commonDir || !bare || !indexFile) throw notARepository(cwd);
  const config = parseConfigList(configList.stdout);
  const storage = config.findLast(([key]) => key === 'lfs.storage')?.[1];
  const lfsDir = storage ? (isAbsolute(storage) ? storage : join(commonDir, storage)) : join(commonDir, 'lfs');
  return {
    worktree: bare === 'true' || !toplevel ? undefined : toplevel,
    gitDir,
    commonDir,
    lfsDir,
    objectsDir: join(lfsDir, 'objects'),
    tmpDir: join(lfsDir, 'tmp'),
    insideGitDir: bare !== 'true' && insideGitDir === 'true',
    prefix: prefix.trim(),
    indexFile,
    config,
  };
}

const notARepository = (cwd: string): LfsLazyError => new LfsLazyError(`${cwd} is not inside a git repository`, { code: ErrorCode.BadRequest });


// Where the current directory is: relative to the working tree root ("data/train/", or ""), and
// the root itself (undefined inside .git or a bare repository). A command that opens the
// repository has both in its RepositoryPaths (`prefix`, `worktree`) without running git again.
export async function worktreePosition(cwd: string): Promise<{ prefix: string; toplevel: string | undefined }> {
  const result = await git(['rev-parse', '--show-prefix', '--show-toplevel'], { cwd, okCodes: [128] });
  const [prefix, toplevel] = result.stdout.split('\n');
  if (prefix === undefined || (result.code !== 0 && toplevel === undefined && prefix === '')) throw notARepository(cwd);
  return { prefix: prefix.trim(), toplevel: result.code === 0 && toplevel ? toplevel : undefined };
}
