// Issue 6, label maps: the `lfs-json` merge driver and `lfs-lazy diff`, end to end — real git,
// real git-lfs, lfs-lazy installed in an isolated HOME (agent, lazy filter, merge driver), s3rver.
// Every clone is lazy: label maps are pointers in the working tree; edits read them with
// `lfs-lazy cat`, write the new content, commit, and put the pointer back as a checkout would.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeLfsFixture, type LfsFixture } from '../helpers/lfs-fixture.js';
import { encodePointer, parsePointer } from '../../src/protocol/pointer.js';
import { createHash } from 'node:crypto';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

type Entries = Array<[string, string]>; // key → raw JSON value text

// The layout the merge driver writes (and scripts/lib/label-map.ts too): one member per line.
function mapText(entries: Entries): string {
  if (entries.length === 0) return '{}\n';
  return `{\n${entries.map(([k, v]) => `  ${JSON.stringify(k)}: ${v}`).join(',\n')}\n}\n`;
}

interface Edit {
  set?: Record<string, string>;
  del?: string[];
  add?: Entries;
}

function applyEdit(entries: Entries, edit: Edit): Entries {
  const del = new Set(edit.del ?? []);
  const out: Entries = entries.filter(([k]) => !del.has(k)).map(([k, v]) => [k, edit.set?.[k] ?? v]);
  return [...out, ...(edit.add ?? [])];
}

const LABELS = ['speech', 'music', 'noise', 'silence', 'laughter', 'applause'];
const clip = (i: number): string => `clip_${String(i).padStart(7, '0')}`;
const value = (label: string, speaker: number): string => `{"label": "${label}", "speaker": ${speaker}}`;
const BIG: Entries = Array.from({ length: 100_000 }, (_, n) => [clip(n + 1), value(LABELS[(n * 7) % 6]!, (n * 31) % 500)]);

const EDGE_BASE =
  '{\n  "keep": 1,\n  "del-ours": 2,\n  "del-theirs": 3,\n  "del-both": 4,\n  "same": {"label": "a"},\n' +
  '  "nested": {"label": {"primary": "x", "tags": ["a", "b"]}, "meta": {"n": [1, {"deep": true}]}},\n' +
  '  "café": "old",\n  "日本語/クリップ_1": "old",\n  "🎧": 0\n}\n';

describe('lfs-lazy merge driver and diff on LFS label maps', { timeout: 600_000 }, () => {
  let fx: LfsFixture;
  const LABELS_PATH = 'data/labels.json';

  async function cat(clone: string, path: string): Promise<string> {
    return (await fx.box.cli(['cat', path], { cwd: clone })).stdout;
  }

  // Commits new content, then leaves the path as a fresh lazy checkout would: its pointer (the
  // object is local now, so only a dehydrate keeps later checkouts from giving the content). The
  // objects go to the bucket first (`git lfs push`, without the branch): dehydrate makes pointers
  // only of content the bucket has.
  async function commitFiles(clone: string, files: Record<string, string>, message: string): Promise<void> {
    for (const [path, text] of Object.entries(files)) await writeFile(join(clone, path), text);
    await fx.box.git(['add', ...Object.keys(files)], { cwd: clone });
    await fx.box.git(['commit', '-q', '-m', message], { cwd: clone });
    await fx.box.git(['lfs', 'push', 'origin', 'HEAD'], { cwd: clone });
    await fx.box.cli(['dehydrate', ...Object.keys(files)], { cwd: clone });
    for (const path of Object.keys(files)) await assertPointer(clone, path);
  }

  async function assertPointer(clone: string, path: string): Promise<Buffer> {
    const bytes = await readFile(join(clone, path));
    assert.ok(parsePointer(bytes) && bytes.length > 0, `${path} in ${clone} is not a pointer: ${bytes.subarray(0, 80).toString()}`);
    return bytes;
  }

  // What git holds for a file after a merge: its pointer bytes, whether the working tree has the
  // pointer or (the merged object is local, and nowhere else until pushed) the content itself.
  async function committedForm(clone: string, path: string): Promise<Buffer> {
    const bytes = await readFile(join(clone, path));
    if (bytes.length > 0 && parsePointer(bytes)) return bytes;
    return encodePointer({ oid: sha256(bytes), size: bytes.length, extensions: [] });
  }

  const pull = (clone: string, allowFail = false) => fx.box.git(['pull', '--no-rebase', '--no-edit', 'origin', 'main'], { cwd: clone, allowFail });
  const push = (clone: string) => fx.box.git(['push', '-q', 'origin', 'HEAD:main'], { cwd: clone });

  before(async () => {
    fx = await makeLfsFixture({
      files: [
        { path: LABELS_PATH, content: Buffer.from(mapText(BIG)) },
        { path: 'data/edge.json', content: Buffer.from(EDGE_BASE) },
        { path: 'data/empty.json', content: Buffer.from('{}\n') },
        { path: 'data/shrink.json', content: Buffer.from('{"a": 1, "b": 2}\n') },
        { path: 'data/list.json', content: Buffer.from('[1, 2, 3]\n') },
        { path: 'data/broken.json', content: Buffer.from('{"a": 1}\n') },
        { path: 'data/diff.json', content: Buffer.from(EDGE_BASE) },
        { path: 'data/blob.bin', content: Buffer.from('binary base\n') },
      ],
      patterns: ['*.json', '*.bin'],
    });
    // The label maps use lfs-lazy's merge driver; other LFS files keep git's default.
    await writeFile(join(fx.origin, '.gitattributes'), '*.json filter=lfs diff=lfs merge=lfs-json -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n');
    await fx.box.git(['commit', '-q', '-am', 'merge driver for label maps'], { cwd: fx.origin });
    await fx.box.git(['push', '-q', 'origin', 'main'], { cwd: fx.origin });
  });
  after(() => fx?.cleanup());

  it('install registers merge.lfs-json with absolute, quoted paths', async () => {
    const driver = (await fx.box.git(['config', '--global', 'merge.lfs-json.driver'])).stdout.trim();
    assert.match(driver, / merge-driver %O %A %B %P$/);
    assert.ok(driver.startsWith(process.execPath) || driver.startsWith(`'${process.execPath}'`), driver);
  });

  it('two clones change different keys of a 100,000-entry map: git pull merges them, nothing else changes', async () => {
    const one = await fx.clone('one');
    const two = await fx.clone('two');
    await assertPointer(two, LABELS_PATH);
    const editOne: Edit = {
      set: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [clip(i * 1000 + 10), value('music', 900 + i)])),
      del: [clip(500), clip(50_500)],
      add: [[clip(100_001), value('speech', 1)], [clip(100_002), value('noise', 2)]],
    };
    const editTwo: Edit = {
      set: Object.fromEntries(Array.from({ length: 100 }, (_, i) => [clip(i * 1000 + 7), value('laughter', 700 + i)])),
      del: [clip(700)],
      add: [[clip(200_001), value('applause', 3)]],
    };
    await commitFiles(one, { [LABELS_PATH]: mapText(applyEdit(BIG, editOne)) }, 'relabel in one');
    await push(one);
    await commitFiles(two, { [LABELS_PATH]: mapText(applyEdit(BIG, editTwo)) }, 'relabel in two');

    const started = Date.now();
    const merged = await pull(two);
    const seconds = (Date.now() - started) / 1000;
    assert.doesNotMatch(merged.stdout + merged.stderr, /CONFLICT/);
    // ours' order, ours' changes, theirs' changes, theirs' additions appended: byte for byte.
    const expected = mapText(applyEdit(applyEdit(BIG, editTwo), { set: editOne.set!, del: editOne.del!, add: editOne.add! }));
    assert.equal(await cat(two, LABELS_PATH), expected);
    const pointer = await committedForm(two, LABELS_PATH);
    assert.equal((await fx.box.git(['cat-file', 'blob', `HEAD:${LABELS_PATH}`], { cwd: two })).stdout, pointer.toString());
    assert.equal((await fx.box.git(['status', '--porcelain'], { cwd: two })).stdout, '');
    assert.equal((await fx.box.git(['rev-list', '--count', '--merges', 'HEAD'], { cwd: two })).stdout.trim(), '1');
    assert.ok(seconds < 60, `the pull took ${seconds} s`);

    // The merged object is in the local store; push uploads it and any new clone reads it.
    await push(two);
    const three = await fx.clone('three');
    assert.equal(await cat(three, LABELS_PATH), expected);

    // diff between the merge and ours: exactly theirs' changes.
    const diff = JSON.parse((await fx.box.cli(['diff', '--json', '--limit', '3', 'HEAD~1', 'HEAD', '--', LABELS_PATH], { cwd: three })).stdout);
    assert.deepEqual([diff.added, diff.removed, diff.changed, diff.unchanged], [2, 2, 100, 99_898]);
    assert.deepEqual(diff.keys, { before: 100_000, after: 100_000 });
    assert.equal(diff.changes.length, 3);
    assert.deepEqual(diff.changes[0], { key: clip(10), change: 'changed', before: JSON.parse(BIG[9]![1]), after: { label: 'music', speaker: 900 } });
    assert.equal(diff.truncated, true);
    const music = diff.labels.counts.find((c: { label: string }) => c.label === 'music');
    assert.ok(music.after > music.before);
  });

  it('the same key changed differently: conflict with the key, ours kept as a pointer, a report; --strategy theirs resolves it', async () => {
    const one = await fx.clone('c-one');
    const two = await fx.clone('c-two');
    const base = await cat(two, LABELS_PATH);
    const key = clip(42);
    const baseValue = JSON.parse(base)[key];
    const theirsText = base.replace(`"${key}": ${JSON.stringify(baseValue).replace(/,/g, ', ').replace(/:/g, ': ')}`, `"${key}": ${value('noise', 1)}`);
    assert.notEqual(theirsText, base);
    const oursText = base.replace(`"${key}": ${JSON.stringify(baseValue).replace(/,/g, ', ').replace(/:/g, ': ')}`, `"${key}": ${value('silence', 2)}`).replace(`"${clip(43)}": `, `"${clip(43)}": {"other": true}, "x${clip(43)}": `);
    await commitFiles(one, { [LABELS_PATH]: theirsText }, 'key 42 is noise');
    await push(one);
    await commitFiles(two, { [LABELS_PATH]: oursText }, 'key 42 is silence');
    const ours = (await fx.box.git(['cat-file', 'blob', `HEAD:${LABELS_PATH}`], { cwd: two })).stdout;

    const conflicted = await pull(two, true);
    assert.notEqual(conflicted.code, 0);
    const line = conflicted.stderr.split('\n').find((l) => l.startsWith('lfs-lazy merge-driver:'));
    assert.ok(line?.includes(`"${key}"`), conflicted.stderr);
    assert.match(line!, /1 conflicting key: .*modified-both.*kept ours; report: \.git\/lfs-lazy\/conflicts\/data\/labels\.json\.json/);
    assert.match(conflicted.stdout + conflicted.stderr, /CONFLICT \(content\): Merge conflict in data\/labels\.json/);
    assert.equal((await committedForm(two, LABELS_PATH)).toString(), ours);
    assert.match((await fx.box.git(['ls-files', '-u', '--', LABELS_PATH], { cwd: two })).stdout, / 1\t.* 2\t.* 3\t/s);

    const report = JSON.parse(await readFile(join(two, '.git', 'lfs-lazy', 'conflicts', 'data', 'labels.json.json'), 'utf8'));
    assert.equal(report.path, LABELS_PATH);
    assert.equal(report.conflictCount, 1);
    assert.deepEqual(report.conflicts, [
      { key, kind: 'modified-both', base: baseValue, ours: { label: 'silence', speaker: 2 }, theirs: { label: 'noise', speaker: 1 } },
    ]);
    assert.equal(report.ours.oid, parsePointer(Buffer.from(ours))!.oid);

    await fx.box.git(['merge', '--abort'], { cwd: two });
    await fx.box.git(['config', 'lfs-lazy.mergestrategy', 'theirs'], { cwd: two });
    const resolved = await pull(two);
    assert.match(resolved.stderr, /1 conflicting key: .*resolved with --strategy theirs/);
    const result = JSON.parse(await cat(two, LABELS_PATH));
    assert.deepEqual(result[key], { label: 'noise', speaker: 1 });
    assert.deepEqual(result[clip(43)], { other: true }); // ours' other change is kept
    assert.ok(Object.hasOwn(result, `x${clip(43)}`));
    assert.equal((await committedForm(two, LABELS_PATH)).toString(), (await fx.box.git(['cat-file', 'blob', `HEAD:${LABELS_PATH}`], { cwd: two })).stdout);
    assert.equal(existsSync(join(two, '.git', 'lfs-lazy', 'conflicts', 'data', 'labels.json.json')), false, 'a stale report is removed');
  });

  it('adds, deletes, identical edits, unicode keys, nested values and empty maps', async () => {
    const one = await fx.clone('e-one');
    const two = await fx.clone('e-two');
    await commitFiles(
      one,
      {
        'data/edge.json':
          '{\n  "keep": 1,\n  "del-ours": 2,\n  "same": {"label": "b"},\n' +
          '  "nested": {"label": {"primary": "x", "tags": ["a", "b", "c"]}, "meta": {"n": [1, {"deep": true}]}},\n' +
          '  "caf\\u00e9": "new-theirs",\n  "日本語/クリップ_1": "old",\n  "🎧": 0,\n  "added-theirs": {"x": 1},\n  "ключ": "значение"\n}\n',
        'data/empty.json': '{"a": 1}\n',
        'data/shrink.json': '{"b": 2}\n',
      },
      'theirs',
    );
    await push(one);
    await commitFiles(
      two,
      {
        'data/edge.json':
          '{\n  "keep": 1,\n  "del-theirs": 3,\n  "same": {\n    "label": "b"\n  },\n' +
          '  "nested": {"label": {"primary": "x", "tags": ["a", "b"]}, "meta": {"n": [1, {"deep": true}]}},\n' +
          '  "café": "old",\n  "日本語/クリップ_1": "new-ours",\n  "🎧": 1,\n  "added-ours": [1, 2]\n}\n',
        'data/empty.json': '{"b": 2}\n',
        'data/shrink.json': '{"a": 1}\n',
      },
      'ours',
    );
    const merged = await pull(two);
    assert.doesNotMatch(merged.stdout + merged.stderr, /CONFLICT/);
    assert.equal(
      await cat(two, 'data/edge.json'),
      '{\n  "keep": 1,\n  "same": {\n    "label": "b"\n  },\n' +
        '  "nested": {"label": {"primary": "x", "tags": ["a", "b", "c"]}, "meta": {"n": [1, {"deep": true}]}},\n' +
        '  "café": "new-theirs",\n  "日本語/クリップ_1": "new-ours",\n  "🎧": 1,\n  "added-ours": [1, 2],\n' +
        '  "added-theirs": {"x": 1},\n  "ключ": "значение"\n}\n',
    );
    assert.equal(await cat(two, 'data/empty.json'), '{\n  "b": 2,\n  "a": 1\n}\n');
    assert.equal(await cat(two, 'data/shrink.json'), '{}\n');
    for (const path of ['data/edge.json', 'data/empty.json', 'data/shrink.json']) {
      const committed = (await fx.box.git(['cat-file', 'blob', `HEAD:${path}`], { cwd: two })).stdout;
      assert.equal((await committedForm(two, path)).toString(), committed, `${path} is not what the merge committed`);
    }
    assert.equal((await fx.box.git(['status', '--porcelain'], { cwd: two })).stdout, '');
  });

  it('a file that is not a JSON object, or not JSON, falls back to an ordinary conflict with ours kept', async () => {
    const one = await fx.clone('n-one');
    const two = await fx.clone('n-two');
    await commitFiles(one, { 'data/list.json': '[1, 2, 3, 4]\n', 'data/broken.json': '{"a": 1,,}\n', 'data/blob.bin': 'binary theirs\n' }, 'theirs');
    await push(one);
    await commitFiles(two, { 'data/list.json': '[0, 1, 2, 3]\n', 'data/broken.json': '{"a": 2}\n', 'data/blob.bin': 'binary ours\n' }, 'ours');
    const oursList = (await fx.box.git(['cat-file', 'blob', 'HEAD:data/list.json'], { cwd: two })).stdout;
    const oursBroken = (await fx.box.git(['cat-file', 'blob', 'HEAD:data/broken.json'], { cwd: two })).stdout;
    const result = await pull(two, true);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /lfs-lazy merge-driver: data\/list\.json: not merged key by key — base: a label map must be a JSON object, found "\[".*kept ours/);
    assert.match(result.stderr, /lfs-lazy merge-driver: data\/broken\.json: not merged key by key — theirs: expected a key, found ","/);
    assert.match(result.stdout + result.stderr, /CONFLICT \(content\): Merge conflict in data\/list\.json/);
    assert.match(result.stdout + result.stderr, /CONFLICT \(content\): Merge conflict in data\/broken\.json/);
    assert.equal((await committedForm(two, 'data/list.json')).toString(), oursList);
    assert.equal((await committedForm(two, 'data/broken.json')).toString(), oursBroken);
    // Other LFS files (merge=lfs) never reach lfs-lazy's driver: git's own conflict, as before.
    assert.match(result.stdout + result.stderr, /CONFLICT \(content\): Merge conflict in data\/blob\.bin/);
    assert.doesNotMatch(result.stderr, /merge-driver: data\/blob\.bin/);
    await fx.box.git(['merge', '--abort'], { cwd: two });
  });

  it('lfs-lazy diff: the working tree against the index and HEAD, text and JSON', async () => {
    const clone = await fx.clone('d-one');
    assert.match((await fx.box.cli(['diff', '--', 'data/diff.json'], { cwd: clone })).stdout, /0 added, 0 removed, 0 changed, 9 unchanged/);
    await writeFile(join(clone, 'data/diff.json'), EDGE_BASE.replace('"keep": 1', '"keep": 2').replace('"🎧": 0', '"🎧": 0,\n  "new": "speech"'));
    const text = (await fx.box.cli(['diff', 'HEAD', 'diff.json'], { cwd: join(clone, 'data') })).stdout;
    assert.match(text, /^data\/diff\.json: HEAD → working tree\nkeys: 9 → 10: 1 added, 0 removed, 1 changed, 8 unchanged\n/);
    assert.match(text, /\n {2}~ "keep": 1 → 2\n {2}\+ "new": "speech"\n/);
    const json = JSON.parse((await fx.box.cli(['diff', '--json', '--', 'data/diff.json'], { cwd: clone })).stdout);
    assert.deepEqual(json.before, { source: 'index', exists: true, oid: json.before.oid, size: Buffer.byteLength(EDGE_BASE) });
    assert.deepEqual(json.after, { source: 'working tree', exists: true });
    assert.deepEqual(json.changes, [
      { key: 'keep', change: 'changed', before: 1, after: 2 },
      { key: 'new', change: 'added', after: 'speech' },
    ]);
    // The path forgotten: HEAD is a revision, not a file that exists nowhere.
    const noPath = await fx.box.cli(['diff', 'HEAD~1', 'HEAD'], { cwd: clone, allowFail: true });
    assert.equal(noPath.code, 1);
    assert.equal(noPath.stderr, 'lfs-lazy diff: "HEAD" is a revision, not a file: name the label map after --, e.g. lfs-lazy diff HEAD~1 HEAD -- labels.json\n');
    const refused = await fx.box.cli(['diff', '--', 'data/list.json'], { cwd: clone, allowFail: true });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^lfs-lazy diff: data\/list\.json is not a JSON object label map: before: a label map must be a JSON object/);
  });
});
