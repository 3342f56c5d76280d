import type { Command, CommandIO } from '../command.js';
import { count, listPaths } from '../progress-bar.js';
import { ErrorCode, LfsLazyError, messageOf } from '../../errors/index.js';
import { git, gitPassThrough } from '../../git/git.js';
import { findUnfetched, parseDryRun, type UnfetchedObjects } from '../../push/unfetched-objects.js';
import { openRepositoryContext } from '../../repository/context.js';
import { pathToBytes } from '../../util/path-bytes.js';
import { pathQuoter, type PathQuoter } from '../../util/quote-path.js';

const usage = [
  'usage: lfs-lazy pre-push <remote> <url>   (the ref updates on stdin, as git gives a pre-push hook)',
  '',
  "Run by the pre-push hook lfs-lazy installs: git-lfs's own `git lfs pre-push`, which uploads the",
  'LFS objects of the commits being pushed. An object this clone never downloaded (named by a',
  'revert, a cherry-pick or a merge of data that stayed a pointer here) has nothing to upload;',
  'git-lfs alone refuses the push for it. lfs-lazy asks the bucket first: when it holds every such',
  'object, git-lfs is told to skip them; otherwise git-lfs decides, and refuses, as it would alone.',
  'See docs/configuration.md, "Pushing".',
].join('\n');

export const command: Command = {
  summary: "git-lfs's pre-push, for objects a lazy clone never downloaded (run by the hook)",
  usage,
  async run(args, io) {
    if (args.length !== 2 || args.some((a) => a.startsWith('-'))) throw new LfsLazyError(usage, { code: ErrorCode.BadRequest });
    const [remote, url] = args as [string, string];
    const refUpdates = await readAll(io.stdin);
    const skipUnfetched = await unfetchedAllInBucket(io, remote, url, refUpdates);
    // git-lfs's own pre-push, its progress and errors passed through as they come.
    const gitLfs = [...(skipUnfetched ? ['-c', 'lfs.allowincompletepush=true'] : []), 'lfs', 'pre-push', remote, url];
    return gitPassThrough(gitLfs, { cwd: io.cwd, env: io.env, input: refUpdates, stdout: io.stdout, stderr: io.stderr });
  },
};

// Whether git-lfs may skip the objects it lacks: there are some, and the bucket has them all. Any
// doubt (a check that fails, the bucket unreachable) leaves git-lfs to decide as it does alone.
async function unfetchedAllInBucket(io: CommandIO, remote: string, url: string, refUpdates: Buffer): Promise<boolean> {
  let ctx;
  try {
    // Side by side: the repository's paths and settings, and git-lfs's list (its own scan, ≈ the
    // time of a git-lfs start).
    const dryRunning = git(['lfs', 'pre-push', '--dry-run', remote, url], { cwd: io.cwd, input: refUpdates });
    dryRunning.catch(() => undefined);
    ctx = await openRepositoryContext(io.cwd, { env: io.env, log: { name: 'lfs-lazy', quiet: true } });
    const dryRun = await dryRunning;
    const found = await findUnfetched(ctx, parseDryRun(dryRun.stdout));
    explain(io, found, pathQuoter(ctx.paths.config));
    return found.inBucket.length > 0 && found.nowhere.length === 0 && found.bucketError === undefined;
  } catch (err) {
    ctx?.logger.warn({ err }, 'pre-push: could not look for objects never downloaded here');
    io.stderr.write(`lfs-lazy pre-push: could not look for objects never downloaded here (${messageOf(err)}); git-lfs decides alone\n`);
    return false;
  } finally {
    ctx?.close();
  }
}

function explain(io: CommandIO, { inBucket, nowhere, bucketError }: UnfetchedObjects, show: PathQuoter): void {
  const say = (line: string) => io.stderr.write(pathToBytes(`lfs-lazy: ${line}\n`));
  const paths = (objects: typeof inBucket) => listPaths(objects.map((o) => show(o.path)));
  if (bucketError) {
    say(`could not ask the bucket about ${count(nowhere.length, 'object')} of this push never downloaded here (${paths(nowhere)}): ${bucketError.message}`);
  } else if (nowhere.length > 0) {
    say(`${count(nowhere.length, 'object')} of this push ${nowhere.length === 1 ? 'is' : 'are'} neither in .git/lfs/objects nor in the bucket at the size its pointer names (${paths(nowhere)}): the push stops; push from the clone that has the content`);
  } else if (inBucket.length > 0) {
    say(`${count(inBucket.length, 'object')} of this push ${inBucket.length === 1 ? 'was' : 'were'} never downloaded here and ${inBucket.length === 1 ? 'is' : 'are'} in the bucket already (checked): nothing to upload, git-lfs lists ${inBucket.length === 1 ? 'it' : 'them'} as missing and goes on`);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks);
}
