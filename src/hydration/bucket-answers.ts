// Whether the bucket has objects, asked before content becomes a pointer (dehydrate): one HEAD
// request per object, a few at a time.
import pLimit from 'p-limit';
import { asError } from '../errors/index.js';
import type { RepositoryContext } from '../repository/context.js';

// What the bucket says of each object: its size there (undefined: it does not have it), or the
// error that kept it from answering. Objects already in `known` are not asked again.
export type BucketAnswers = ReadonlyMap<string, number | undefined | Error>;

export async function askBucket(ctx: RepositoryContext, oids: readonly string[], options: { jobs?: number; signal?: AbortSignal }, known: BucketAnswers = new Map()): Promise<BucketAnswers> {
  const answers = new Map(known);
  const ask = [...new Set(oids)].filter((oid) => !answers.has(oid));
  if (ask.length === 0) return answers;
  let store;
  try {
    store = await ctx.remote();
  } catch (err) {
    for (const oid of ask) answers.set(oid, asError(err));
    return answers;
  }
  const limit = pLimit(options.jobs ?? 16);
  await Promise.all(
    ask.map((oid) =>
      limit(async () => {
        try {
          answers.set(oid, (await store.stat(oid, options.signal))?.size);
        } catch (err) {
          answers.set(oid, asError(err));
        }
      }),
    ),
  );
  return answers;
}
