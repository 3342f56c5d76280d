// The `worktree` step: a linked worktree (`git worktree add`) checks out another branch, the user
// edits an LFS file there (in the subject, hydrated first now and then) and commits, and the
// worktree is removed again. Linked worktrees share the LFS store and lfs-lazy's hydrated set and
// read cache with the main one, so what is done there must leave the main worktree, its branches
// and its objects as git-lfs leaves them. Commands are named alike in both repositories (the
// worktree's own path differs), so that their exit codes compare.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { exec } from './exec.js';
import type { CommandOutcome } from './operations.js';
import { lfsContent } from './universe.js';
import { CLI_PATH, type Side, type World } from './world.js';

export interface WorktreeStep {
  branch: string;
  path: string;
  content: string;
  hydrate: boolean;
}

export async function commitInLinkedWorktree(world: World, side: Side, step: WorktreeStep): Promise<CommandOutcome[]> {
  const outcomes: CommandOutcome[] = [];
  const main = world.dirs[side];
  const worktree = `${main}-worktree`;
  const run = async (label: string, command: string, args: string[], cwd: string): Promise<number> => {
    const result = await exec(command, args, { cwd, env: world.env });
    outcomes.push({ command: label, code: result.code, stderr: result.stderr.replaceAll(worktree, '<worktree>'), timedOut: result.timedOut });
    return result.timedOut ? Number.NaN : result.code;
  };
  if ((await run(`git worktree add <worktree> ${step.branch}`, 'git', ['worktree', 'add', '-q', worktree, step.branch], main)) !== 0) return outcomes;
  try {
    if (step.hydrate && side === 'subject' && world.subjectKind === 'lfs-lazy') {
      await run(`lfs-lazy hydrate --ignore-unmatch ${step.path} (in the worktree)`, process.execPath, [CLI_PATH, 'hydrate', '--ignore-unmatch', step.path], worktree);
    }
    await mkdir(dirname(join(worktree, step.path)), { recursive: true });
    await writeFile(join(worktree, step.path), lfsContent(step.content));
    await run('git add -A (in the worktree)', 'git', ['add', '-A'], worktree);
    await run('git commit (in the worktree)', 'git', ['commit', '-q', '-m', 'in a linked worktree'], worktree);
    // Nothing left over in the linked worktree, in both alike.
    await run('git diff --quiet (in the worktree)', 'git', ['diff', '--quiet'], worktree);
  } finally {
    await run('git worktree remove --force <worktree>', 'git', ['worktree', 'remove', '--force', worktree], main);
  }
  return outcomes;
}
