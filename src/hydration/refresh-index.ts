import { git } from '../git/git.js';

// What git's index says about the working tree, and keeping it in step after we rewrite files.

// Refreshes the stat data of every index entry. A rewritten pointer/hydrated file cleans to the
// same blob, so without this git would re-run the clean filter on it at every `git status`.
// Exit 1 only means some other entry really is modified (-q keeps going): not our failure.
export async function refreshIndex(root: string): Promise<void> {
  await git(['update-index', '-q', '--refresh'], { cwd: root, okCodes: [1] });
}

// Paths (root-relative) among `pathspecs` whose working file differs from the index, deleted ones
// included. `ls-files -m` compares content (through the clean filter) for stat-dirty entries, so a
// freshly written hydrated file is not reported, unlike with `diff-files` before a refresh.
export async function modifiedPaths(root: string, pathspecs: readonly string[]): Promise<Set<string>> {
  const { stdout } = await git(['ls-files', '-m', '-z', '--full-name', '--', ...pathspecs], { cwd: root });
  return new Set(stdout.split('\0').filter((p) => p !== ''));
}

// The current directory relative to the working tree root, e.g. "data/train/" (or "").
export async function showPrefix(cwd: string): Promise<string> {
  return (await git(['rev-parse', '--show-prefix'], { cwd })).stdout.trim();
}
