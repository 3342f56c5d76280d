// Someone else's work arriving through the remote: a commit made and pushed elsewhere, the same in
// each side's remote (same parent, tree and dates, so the same commit id), its LFS object in each
// side's store only. Neither repository has the object until a checkout asks for it: git-lfs's
// clone downloads it then, lfs-lazy's leaves a pointer unless the path is hydrated.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execOk } from './exec.js';
import { isLfsPath, objectPath, pointerOf, sha256 } from './universe.js';
import type { Side, World } from './world.js';

export async function pushFromElsewhere(world: World, side: Side, branch: string, path: string, content: Buffer): Promise<void> {
  const remote = world.remotes[side];
  const index = join(world.root, `upstream-${side}.index`);
  const env = { ...world.env, GIT_INDEX_FILE: index };
  const plumb = async (args: string[], input?: Buffer) => (await execOk('git', args, { cwd: remote, env, ...(input && { input }) })).toString().trim();
  if (isLfsPath(path)) {
    const stored = objectPath(world.stores[side], sha256(content));
    await mkdir(dirname(stored), { recursive: true });
    await writeFile(stored, content);
  }
  try {
    await plumb(['read-tree', `refs/heads/${branch}`]);
    const blob = await plumb(['hash-object', '-w', '--stdin'], isLfsPath(path) ? pointerOf(content) : content);
    await plumb(['update-index', '--add', '--cacheinfo', `100644,${blob},${path}`]);
    const commit = await plumb(['commit-tree', await plumb(['write-tree']), '-p', `refs/heads/${branch}`, '-m', `upstream: ${path}`]);
    await plumb(['update-ref', `refs/heads/${branch}`, commit]);
  } finally {
    await rm(index, { force: true });
  }
}
