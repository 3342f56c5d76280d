// What `git push` asks git-lfs to upload that this clone never downloaded. A lazy clone makes
// commits naming such objects in ordinary ways — `git revert` of a data change, a cherry-pick or a
// squash merge of someone else's commit — where git-lfs's clone would have downloaded them on the
// checkout. git-lfs stats each object before its upload and, with a standalone transfer agent (no
// server to ask), refuses the push for any it does not have (git-lfs-and-filter-protocols.md
// §1.5). Such an object is skipped only once the bucket is seen to hold it, under its oid and at
// the size the commits' own pointer says.
import { existsSync } from 'node:fs';
import { objectHeaders } from '../git/cat-file.js';
import { blobId } from '../git/blob-id.js';
import { askBucket } from '../hydration/bucket-answers.js';
import { encodePointer } from '../protocol/pointer.js';
import { isValidOid } from '../util/oid.js';
import type { RepositoryContext } from '../repository/context.js';

export interface PushedObject {
  oid: string;
  // The file git-lfs names it by (the first path it met it at).
  path: string;
}

export interface UnfetchedObjects {
  // Not in the local store, and the bucket has them: nothing to upload.
  inBucket: PushedObject[];
  // Not in the local store, and not in the bucket at a size the history's pointer names.
  nowhere: PushedObject[];
  // The bucket could not be asked (nothing is known of inBucket's and nowhere's objects then).
  bucketError?: Error;
}

// `git lfs pre-push --dry-run` prints `push <oid> => <path>` per object it would upload.
export function parseDryRun(output: string): PushedObject[] {
  const objects: PushedObject[] = [];
  for (const line of output.split('\n')) {
    const match = /^push ([0-9a-f]{64}) => (.*)$/.exec(line);
    if (match && isValidOid(match[1]!)) objects.push({ oid: match[1]!, path: match[2]! });
  }
  return objects;
}

export async function findUnfetched(ctx: RepositoryContext, objects: readonly PushedObject[]): Promise<UnfetchedObjects> {
  const missing = dedupe(objects.filter((o) => !existsSync(ctx.local.pathFor(o.oid))));
  if (missing.length === 0) return { inBucket: [], nowhere: [] };
  const answers = await askBucket(ctx, missing.map((o) => o.oid), {});
  const bucketError = [...answers.values()].find((a): a is Error => a instanceof Error);
  if (bucketError) return { inBucket: [], nowhere: missing, bucketError };
  // The bucket's size must be the one the commits say: the canonical pointer of (oid, that size)
  // must be a blob of this repository. A truncated upload someone left under the key fails this.
  const cwd = ctx.paths.worktree ?? ctx.paths.gitDir;
  const like = ctx.paths.config.some(([k, v]) => k === 'extensions.objectformat' && v === 'sha256') ? '0'.repeat(64) : '0'.repeat(40);
  const pointerBlobs = new Map<string, string>();
  for (const { oid } of missing) {
    const size = answers.get(oid);
    if (typeof size === 'number') pointerBlobs.set(oid, await blobId(encodePointer({ oid, size, extensions: [] }), like));
  }
  const known = await objectHeaders(cwd, [...pointerBlobs.values()]);
  const inBucket: PushedObject[] = [];
  const nowhere: PushedObject[] = [];
  for (const o of missing) {
    const blob = pointerBlobs.get(o.oid);
    (blob !== undefined && known.get(blob)?.type === 'blob' ? inBucket : nowhere).push(o);
  }
  return { inBucket, nowhere };
}

function dedupe(objects: readonly PushedObject[]): PushedObject[] {
  const byOid = new Map<string, PushedObject>();
  for (const o of objects) if (!byOid.has(o.oid)) byOid.set(o.oid, o);
  return [...byOid.values()];
}
