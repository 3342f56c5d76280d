import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { git, parseConfigList } from '../git/git.js';
import type { RepositoryPaths } from '../git/repository-paths.js';
import { readPlainConfigFile } from './committed-file.js';
import { COMMITTED_CONFIG_FILE, environmentLayer, readSdkEnvironment, resolveSettings, type ConfigLayer, type ResolvedSettings } from './settings.js';

function sectionValues(entries: Array<[string, string]>): Map<string, string> {
  const values = new Map<string, string>();
  for (const [key, value] of entries) {
    if (key.startsWith('lfs-lazy.')) values.set(key.slice('lfs-lazy.'.length), value);
  }
  return values;
}

// Like .lfsconfig: the working tree's copy, else the index's, else HEAD's.
async function committedLayer(paths: RepositoryPaths): Promise<ConfigLayer | undefined> {
  const candidates: Array<{ args: string[]; source: string }> = [];
  const worktreeSource = `${COMMITTED_CONFIG_FILE} (working tree)`;
  if (paths.worktree && existsSync(join(paths.worktree, COMMITTED_CONFIG_FILE))) {
    const plain = readPlainConfigFile(join(paths.worktree, COMMITTED_CONFIG_FILE));
    if (plain !== undefined) return { source: worktreeSource, values: sectionValues(plain) };
    candidates.push({ args: ['-f', join(paths.worktree, COMMITTED_CONFIG_FILE)], source: worktreeSource });
  }
  if (paths.worktree) candidates.push({ args: ['--blob', `:${COMMITTED_CONFIG_FILE}`], source: `${COMMITTED_CONFIG_FILE} (index)` });
  candidates.push({ args: ['--blob', `HEAD:${COMMITTED_CONFIG_FILE}`], source: `${COMMITTED_CONFIG_FILE} (HEAD)` });
  for (const candidate of candidates) {
    const result = await git(['config', '-z', ...candidate.args, '--list'], { cwd: paths.worktree ?? paths.gitDir, okCodes: [1, 128] });
    if (result.code === 0) return { source: candidate.source, values: sectionValues(parseConfigList(result.stdout)) };
  }
  return undefined;
}

// Committed file < git config lfs-lazy.* < environment.
export async function loadSettings(paths: RepositoryPaths, env: NodeJS.ProcessEnv): Promise<ResolvedSettings> {
  const layers: ConfigLayer[] = [];
  const committed = await committedLayer(paths);
  if (committed) layers.push(committed);
  layers.push({ source: 'git config', values: sectionValues(paths.config) });
  layers.push(...environmentLayer(env));
  return resolveSettings(layers, readSdkEnvironment(env));
}
