// A revision as the user names it (a command line, a library call, a URL): refused when git could
// read it as an option (and passed after `--end-of-options` anyway), and resolved to the commit
// it names with `git rev-parse --verify`. The entries of its tree: index-entries.ts.
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import { git } from './git.js';

// How a revision is named in messages: as given, unless it holds something that would break or
// disguise a one-line message (spaces, quotes, control characters), then JSON-quoted.
export function showRevision(rev: string): string {
  return rev !== '' && !/[\s"'\\\p{C}]/u.test(rev) ? rev : JSON.stringify(rev);
}

// A revision git could mistake for something else is refused before git sees it.
export function checkRevision(rev: unknown): asserts rev is string {
  if (typeof rev !== 'string' || rev === '') throw new LfsLazyError('a revision must be a non-empty string', { code: ErrorCode.BadRequest });
  if (rev.startsWith('-')) throw new LfsLazyError(`invalid revision ${showRevision(rev)}: a revision cannot start with "-"`, { code: ErrorCode.BadRequest });
  // A NUL cannot be passed to a process at all; a line break would split git's own messages.
  if (/[\0\n\r]/.test(rev)) throw new LfsLazyError(`invalid revision ${showRevision(rev)}`, { code: ErrorCode.BadRequest });
}

// The full id of the commit `rev` names (a branch, tag, id, `HEAD~2`, `main@{yesterday}`…).
export async function resolveCommit(cwd: string, rev: string): Promise<string> {
  checkRevision(rev);
  const result = await git(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { cwd, okCodes: [1, 128] });
  const id = result.stdout.trim();
  if (result.code !== 0 || !/^[0-9a-f]{40,64}$/.test(id)) {
    throw new LfsLazyError(`unknown revision ${showRevision(rev)}: not a commit of this repository`, { code: ErrorCode.NotFound });
  }
  return id;
}
