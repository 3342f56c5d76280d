// The merge driver's own logic on a real (local, unpushed) repository: pointers in, object into
// the local store and pointer out, conflict reports, fall-backs, strategies. No bucket: every
// object it needs is already in .git/lfs/objects.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openRepositoryContext, type RepositoryContext } from '../../src/repository/context.js';
import { chooseStrategy, conflictReportPath, runMergeDriver } from '../../src/labelmap/merge-driver.js';
import { encodePointer, parsePointer } from '../../src/protocol/pointer.js';

describe('merge driver', () => {
  let dir: string;
  let ctx: RepositoryContext;
  let n = 0;

  // A pointer file for this content, with the object in the local store.
  async function lfsFile(text: string): Promise<string> {
    const { oid, size } = await ctx.local.ingest(Readable.from([Buffer.from(text)]));
    const path = join(dir, `.merge_file_${n++}`);
    await writeFile(path, size === 0 ? '' : encodePointer({ oid, size, extensions: [] }));
    return path;
  }

  async function contentOf(pointerFile: string): Promise<string> {
    const pointer = parsePointer(await readFile(pointerFile));
    assert.ok(pointer, `${pointerFile} is not a pointer`);
    return readFile(ctx.local.pathFor(pointer.oid), 'utf8');
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-driver-'));
    execFileSync('git', ['init', '-q', dir], { env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } });
    ctx = await openRepositoryContext(dir);
  });
  after(async () => {
    ctx.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the merged map into the local store and its pointer into %A', async () => {
    const [base, ours, theirs] = [await lfsFile('{"a": 1, "b": 2}'), await lfsFile('{"a": 10, "b": 2}'), await lfsFile('{"a": 1, "b": 20, "c": 3}')];
    const outcome = await runMergeDriver(ctx, { base, ours, theirs, path: 'data/l.json', strategy: 'conflict' });
    assert.equal(outcome.code, 0);
    assert.equal(outcome.message, undefined);
    assert.equal(await contentOf(ours), '{\n  "a": 10,\n  "b": 20,\n  "c": 3\n}\n');
  });

  it('conflicts: exit 1, %A untouched, a report with base/ours/theirs, one line naming the keys', async () => {
    const [base, ours, theirs] = [await lfsFile('{"k": "a", "j": 1}'), await lfsFile('{"k": "b", "j": 2}'), await lfsFile('{"k": "c", "j": 3}')];
    const before = await readFile(ours);
    const outcome = await runMergeDriver(ctx, { base, ours, theirs, path: 'data/sub/l.json', strategy: 'conflict' });
    assert.equal(outcome.code, 1);
    assert.deepEqual(await readFile(ours), before);
    assert.equal(outcome.message, 'data/sub/l.json: 2 conflicting keys: "k" (modified-both), "j" (modified-both); kept ours; report: .git/lfs-lazy/conflicts/data/sub/l.json.json');
    const reportPath = join(dir, '.git', 'lfs-lazy', 'conflicts', 'data', 'sub', 'l.json.json');
    const report = JSON.parse(await readFile(reportPath, 'utf8'));
    assert.deepEqual(report.conflicts, [
      { key: 'k', kind: 'modified-both', base: 'a', ours: 'b', theirs: 'c' },
      { key: 'j', kind: 'modified-both', base: 1, ours: 2, theirs: 3 },
    ]);
    assert.equal(report.ours.oid, parsePointer(before)!.oid);
    assert.equal(report.conflictCount, 2);

    const resolved = await runMergeDriver(ctx, { base, ours, theirs, path: 'data/sub/l.json', strategy: 'theirs' });
    assert.equal(resolved.code, 0);
    assert.match(resolved.message!, /2 conflicting keys: .*resolved with --strategy theirs$/);
    assert.equal(await contentOf(ours), '{\n  "k": "c",\n  "j": 3\n}\n');
    assert.equal(existsSync(reportPath), false, 'the report of the earlier conflict is removed');
  });

  it('an empty base (both sides added the file) is an empty map', async () => {
    const base = join(dir, 'empty-base');
    await writeFile(base, '');
    const [ours, theirs] = [await lfsFile('{"a": 1}'), await lfsFile('{"b": 2}')];
    assert.equal((await runMergeDriver(ctx, { base, ours, theirs, path: 'n.json', strategy: 'conflict' })).code, 0);
    assert.equal(await contentOf(ours), '{\n  "a": 1,\n  "b": 2\n}\n');
  });

  it('not a JSON object: exit 1, %A untouched, a clear message', async () => {
    const [base, ours, theirs] = [await lfsFile('{"a": 1}'), await lfsFile('{"a": 2}'), await lfsFile('["a"]')];
    const before = await readFile(ours);
    const outcome = await runMergeDriver(ctx, { base, ours, theirs, path: 'x.json', strategy: 'theirs' });
    assert.equal(outcome.code, 1);
    assert.deepEqual(await readFile(ours), before);
    assert.match(outcome.message!, /^x\.json: not merged key by key — theirs: a label map must be a JSON object, found "\[" \(at byte 0\); kept ours/);
    const dup = await lfsFile('{"a": 3, "a": 4}');
    assert.match((await runMergeDriver(ctx, { base, ours, theirs: dup, path: 'x.json', strategy: 'conflict' })).message!, /theirs: the key "a" appears more than once/);
  });

  it('trivial cases need no content; plain (non-LFS) files stay plain', async () => {
    const [base, ours] = [await lfsFile('{"a": 1}'), await lfsFile('{"a": 2}')];
    const theirsSame = join(dir, 'theirs-same');
    await writeFile(theirsSame, await readFile(base));
    const keep = await readFile(ours);
    assert.equal((await runMergeDriver(ctx, { base, ours, theirs: theirsSame, path: 'p.json', strategy: 'conflict' })).code, 0);
    assert.deepEqual(await readFile(ours), keep);

    const plain = (name: string, text: string) => writeFile(join(dir, name), text).then(() => join(dir, name));
    const [pb, po, pt] = [await plain('pb', '{"a": 1, "b": 1}'), await plain('po', '{"a": 2, "b": 1}'), await plain('pt', '{"a": 1, "b": 2}')];
    assert.equal((await runMergeDriver(ctx, { base: pb, ours: po, theirs: pt, path: 'p.json', strategy: 'conflict' })).code, 0);
    assert.equal(await readFile(po, 'utf8'), '{\n  "a": 2,\n  "b": 2\n}\n');
  });

  it('strategy: --strategy, then LFS_LAZY_MERGE_STRATEGY, then git config, then conflict', () => {
    const config: Array<[string, string]> = [['lfs-lazy.mergestrategy', 'ours']];
    assert.equal(chooseStrategy('theirs', { LFS_LAZY_MERGE_STRATEGY: 'ours' }, config), 'theirs');
    assert.equal(chooseStrategy(undefined, { LFS_LAZY_MERGE_STRATEGY: 'Theirs' }, config), 'theirs');
    assert.equal(chooseStrategy(undefined, {}, config), 'ours');
    assert.equal(chooseStrategy(undefined, {}, []), 'conflict');
    assert.throws(() => chooseStrategy('both', {}, []), /--strategy: expected one of conflict, ours, theirs, got "both"/);
    assert.throws(() => chooseStrategy(undefined, {}, [['lfs-lazy.mergestrategy', 'x']]), /git config lfs-lazy\.mergestrategy/);
  });

  it('report paths stay inside .git/lfs-lazy/conflicts', () => {
    assert.equal(conflictReportPath('/r/.git', 'data/a.json'), '/r/.git/lfs-lazy/conflicts/data/a.json.json');
    assert.equal(conflictReportPath('/r/.git', '../../etc/x'), '/r/.git/lfs-lazy/conflicts/..%2F..%2Fetc%2Fx.json');
    assert.equal(conflictReportPath('/r/.git', '/abs'), '/r/.git/lfs-lazy/conflicts/%2Fabs.json');
  });
});
