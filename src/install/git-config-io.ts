import { git } from '../git/git.js';
import { savedKey, type ConfigEntry, type Scope } from './install-plan.js';

export async function readScoped(scope: Scope, key: string, cwd: string): Promise<string | undefined> {
  const result = await git(['config', `--${scope}`, '--get', key], { cwd, okCodes: [1] });
  return result.code === 0 ? result.stdout.replace(/\n$/, '') : undefined;
}

async function set(scope: Scope, key: string, value: string, cwd: string): Promise<void> {
  await git(['config', `--${scope}`, '--replace-all', key, value], { cwd });
}

async function unset(scope: Scope, key: string, cwd: string): Promise<void> {
  await git(['config', `--${scope}`, '--unset-all', key], { cwd, okCodes: [5] });
}

// Writes one entry; a different value already there is kept aside for uninstall. Returns whether
// anything changed.
export async function writeEntry(scope: Scope, entry: ConfigEntry, cwd: string): Promise<boolean> {
  const current = await readScoped(scope, entry.key, cwd);
  if (current === entry.value) return false;
  const ours = current !== undefined && entry.formerValues?.includes(current) === true;
  if (current !== undefined && !ours && (await readScoped(scope, savedKey(entry.key), cwd)) === undefined) {
    await set(scope, savedKey(entry.key), current, cwd);
  }
  await set(scope, entry.key, entry.value, cwd);
  return true;
}

// Removes a key only while it still holds the value we wrote: a value the user changed since is
// theirs, and uninstall leaves it alone. What install replaced is put back.
export async function removeEntry(scope: Scope, entry: ConfigEntry, cwd: string): Promise<boolean> {
  const current = await readScoped(scope, entry.key, cwd);
  if (current === undefined) {
    // Removed by someone else (`git lfs uninstall` removes the filter keys): nothing to put back
    // (that would re-install what the user just took out), only our note of it to drop.
    const hadSaved = (await readScoped(scope, savedKey(entry.key), cwd)) !== undefined;
    if (hadSaved) await unset(scope, savedKey(entry.key), cwd);
    return hadSaved;
  }
  if (current !== entry.value && !entry.formerValues?.includes(current)) return false;
  for (const other of entry.keepWhile ?? []) {
    if ((await readScoped(scope, other, cwd)) !== undefined) return false;
  }
  const saved = await readScoped(scope, savedKey(entry.key), cwd);
  if (saved === undefined) {
    await unset(scope, entry.key, cwd);
  } else {
    await set(scope, entry.key, saved, cwd);
    await unset(scope, savedKey(entry.key), cwd);
  }
  return true;
}
