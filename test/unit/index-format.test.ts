// The index codec against index files written by real git: every entry's path, mode, object name,
// stage and stat data must be what `git ls-files -s --debug` reports, for index versions 2, 3 and
// 4, SHA-1 and SHA-256; rewritten stat data must be what git then reads; damage must be refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IndexFormatError, parseIndex, readVarint, seal, smudgeSize, writeStat, type ParsedIndex, type StatData } from '../../src/git/index-format.js';

let base: string;
let repoCount = 0;

function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t.invalid', ...args], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: base, ...env },
  });
}

interface Repo {
  dir: string;
  git: (...args: string[]) => string;
  write: (path: string, content: string) => void;
  index: () => Buffer;
}

function makeRepo(...initArgs: string[]): Repo {
  const dir = join(base, `repo-${++repoCount}`);
  mkdirSync(dir);
  run(dir, ['init', '-q', ...initArgs]);
  return {
    dir,
    git: (...args) => run(dir, args),
    write: (path, content) => {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content);
    },
    index: () => readFileSync(join(dir, '.git', 'index')),
  };
}

interface GitEntry {
  path: string;
  mode: string;
  oid: string;
  stage: number;
  stat: StatData;
}

// `git ls-files -s --debug -z`: "<mode> <oid> <stage>\t<path>\0" then five indented lines of the
// entry's stat data, for every entry in index order (unmerged stages included).
function lsFiles(repo: Repo): GitEntry[] {
  const out = repo.git('ls-files', '-s', '--debug', '-z');
  const re =
    /([0-7]+) ([0-9a-f]+) ([0-3])\t([^\0]*)\0 {2}ctime: (\d+):(\d+)\n {2}mtime: (\d+):(\d+)\n {2}dev: (\d+)\tino: (\d+)\n {2}uid: (\d+)\tgid: (\d+)\n {2}size: (\d+)\tflags: [0-9a-f]+\n/y;
  const entries: GitEntry[] = [];
  while (re.lastIndex < out.length) {
    const m = re.exec(out);
    assert.ok(m, `unexpected ls-files output at ${re.lastIndex}: ${JSON.stringify(out.slice(re.lastIndex, re.lastIndex + 200))}`);
    const n = (i: number): number => Number(m[i]);
    entries.push({
      mode: m[1]!,
      oid: m[2]!,
      stage: n(3),
      path: m[4]!,
      stat: { ctimeSec: n(5), ctimeNsec: n(6), mtimeSec: n(7), mtimeNsec: n(8), dev: n(9), ino: n(10), uid: n(11), gid: n(12), size: n(13) },
    });
  }
  return entries;
}

function assertMatchesGit(parsed: ParsedIndex, repo: Repo): void {
  const fromGit = lsFiles(repo);
  assert.ok(fromGit.length > 0);
  assert.deepEqual(
    parsed.entries.map(({ path, mode, oid, stage, stat }) => ({ path, mode, oid, stage, stat })),
    fromGit,
  );
  // Offsets are increasing and every entry's stat data starts where parseIndex says.
  for (let i = 1; i < parsed.entries.length; i++) assert.ok(parsed.entries[i]!.offset > parsed.entries[i - 1]!.offset);
  assert.equal(parsed.entries[0]!.offset, 12);
}

function specialPaths(parsed: ParsedIndex): string[] {
  return parsed.entries.filter((e) => e.assumeUnchanged || e.skipWorktree || e.intentToAdd).map((e) => e.path);
}

function throwsFormat(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof IndexFormatError, `expected IndexFormatError, got ${String(err)}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

// Replaces the trailing checksum after a deliberate edit, so that the structure check is reached.
function resealed(data: Buffer, hashLength: 20 | 32): Buffer {
  const copy = Buffer.from(data);
  copy.fill(1, copy.length - hashLength);
  seal(copy, hashLength);
  return copy;
}

// Git's encode_varint (varint.c), for test vectors.
function encodeVarint(value: number): number[] {
  const bytes = [value % 128];
  let v = Math.floor(value / 128);
  while (v > 0) {
    v -= 1;
    bytes.unshift(128 | (v % 128));
    v = Math.floor(v / 128);
  }
  return bytes;
}

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'lfs-lazy-index-format-'));
});
after(() => rm(base, { recursive: true, force: true }));

describe('parseIndex against git', () => {
  it('reads a version 2 index: files, executables, symlinks, gitlinks, nested and unicode paths', () => {
    const repo = makeRepo();
    repo.write('a.txt', 'one\n');
    repo.write('run.sh', '#!/bin/sh\n');
    chmodSync(join(repo.dir, 'run.sh'), 0o755);
    repo.write('dir/sub/deep/file.bin', Buffer.alloc(3000, 7).toString('latin1'));
    repo.write('dir/é/ü b.txt', 'unicode\n');
    symlinkSync('a.txt', join(repo.dir, 'link'));
    repo.git('add', '.');
    repo.git('commit', '-q', '-m', 'one');
    const head = repo.git('rev-parse', 'HEAD').trim();
    repo.git('update-index', '--add', '--cacheinfo', `160000,${head},sub`);
    const parsed = parseIndex(repo.index(), 20);
    assert.equal(parsed.version, 2);
    assert.equal(parsed.hashLength, 20);
    assertMatchesGit(parsed, repo);
    const modes = Object.fromEntries(parsed.entries.map((e) => [e.path, e.mode]));
    assert.deepEqual(modes, {
      'a.txt': '100644',
      'dir/sub/deep/file.bin': '100644',
      'dir/é/ü b.txt': '100644',
      link: '120000',
      'run.sh': '100755',
      sub: '160000',
    });
    assert.deepEqual(specialPaths(parsed), []);
    assert.equal(parsed.entries.find((e) => e.path === 'dir/sub/deep/file.bin')!.stat.size, 3000);
  });

  it('lists the TREE extension that git commit writes', () => {
    const repo = makeRepo();
    repo.write('a.txt', 'one\n');
    repo.git('add', '.');
    assert.ok(!parseIndex(repo.index(), 20).extensions.includes('TREE'), 'no cache tree before the commit');
    repo.git('commit', '-q', '-m', 'one');
    const parsed = parseIndex(repo.index(), 20);
    assert.ok(parsed.extensions.includes('TREE'), `extensions: ${parsed.extensions.join(',')}`);
    assertMatchesGit(parsed, repo);
  });

  it('marks assume-unchanged entries special in a version 2 index', () => {
    const repo = makeRepo();
    repo.write('a.txt', 'one\n');
    repo.write('b.txt', 'two\n');
    repo.git('add', '.');
    repo.git('update-index', '--assume-unchanged', 'b.txt');
    const parsed = parseIndex(repo.index(), 20);
    assert.equal(parsed.version, 2);
    assert.deepEqual(specialPaths(parsed), ['b.txt']);
    assertMatchesGit(parsed, repo);
  });

  it('reads a version 3 index with intent-to-add and skip-worktree entries as special', () => {
    const repo = makeRepo();
    repo.write('a.txt', 'one\n');
    repo.write('b.txt', 'two\n');
    repo.write('c.txt', 'three\n');
    repo.git('add', 'a.txt', 'b.txt');
    repo.git('commit', '-q', '-m', 'one');
    repo.git('add', '-N', 'c.txt');
    repo.git('update-index', '--skip-worktree', 'b.txt');
    assert.match(repo.git('ls-files', '-v', 'b.txt'), /^S b\.txt/);
    const parsed = parseIndex(repo.index(), 20);
    assert.equal(parsed.version, 3);
    assert.deepEqual(specialPaths(parsed), ['b.txt', 'c.txt']);
    assert.deepEqual(parsed.entries.filter((e) => e.intentToAdd).map((e) => e.path), ['c.txt'], 'only the intent-to-add entry is one');
    assertMatchesGit(parsed, repo);
  });

  it('reads a version 4 index: prefix-compressed paths, nested directories, unicode, a path over 0xFFF bytes', () => {
    const repo = makeRepo();
    const files = [
      'a.txt',
      'abc.txt',
      'abc/def.txt',
      'abc/def/ghi.txt',
      'abc/def/ghi/jkl.txt',
      'abc/dz.txt',
      'b',
      'dir/é/ü b.txt',
      'dir/é/üü.txt',
      'dir/ö.txt',
      'z/y/x/w/v/u.txt',
    ];
    files.forEach((f, i) => repo.write(f, `${f} ${i}\n`));
    repo.git('add', '.');
    repo.git('commit', '-q', '-m', 'one');
    // An index entry need not exist on disk: a path longer than the 12-bit name length field.
    const empty = repo.git('hash-object', '-w', '--stdin').trim();
    const long = `abc/${'x'.repeat(200)}/${'é'.repeat(2100)}.txt`;
    assert.ok(Buffer.byteLength(long) > 0xfff);
    repo.git('update-index', '--add', '--cacheinfo', `100644,${empty},${long}`);
    repo.git('update-index', '--add', '--cacheinfo', `100644,${empty},${long}2`);
    repo.git('update-index', '--index-version', '4');
    const parsed = parseIndex(repo.index(), 20);
    assert.equal(parsed.version, 4);
    assertMatchesGit(parsed, repo);
    assert.deepEqual(parsed.entries.map((e) => e.path).sort(), [...files, long, `${long}2`].sort());
  });

  it('reads a path over 0xFFF bytes in a version 2 index (name length field saturated)', () => {
    const repo = makeRepo();
    const empty = repo.git('hash-object', '-w', '--stdin').trim();
    const long = `d/${'n'.repeat(5000)}`;
    repo.git('update-index', '--add', '--cacheinfo', `100644,${empty},${long}`);
    repo.git('update-index', '--add', '--cacheinfo', `100644,${empty},e`);
    repo.git('update-index', '--add', '--cacheinfo', `100644,${empty},${'m'.repeat(0xfff)}`);
    repo.git('update-index', '--add', '--cacheinfo', `100644,${empty},${'m'.repeat(0xffe)}`);
    const parsed = parseIndex(repo.index(), 20);
    assert.equal(parsed.version, 2);
    assertMatchesGit(parsed, repo);
    assert.equal(parsed.entries.length, 4);
  });

  it('reads a SHA-256 repository index', () => {
    const repo = makeRepo('--object-format=sha256');
    repo.write('a.txt', 'one\n');
    repo.write('dir/b.txt', 'two\n');
    repo.git('add', '.');
    repo.git('commit', '-q', '-m', 'one');
    repo.write('c.txt', 'three\n');
    repo.git('add', '-N', 'c.txt');
    const data = repo.index();
    const parsed = parseIndex(data, 32);
    assert.equal(parsed.hashLength, 32);
    assert.equal(parsed.version, 3);
    assert.equal(parsed.entries[0]!.oid.length, 64);
    assert.deepEqual(specialPaths(parsed), ['c.txt']);
    assert.ok(parsed.extensions.includes('TREE'));
    assertMatchesGit(parsed, repo);
    // The same bytes read with the wrong hash length are refused.
    throwsFormat(() => parseIndex(data, 20));

    repo.git('update-index', '--index-version', '4');
    const v4 = parseIndex(repo.index(), 32);
    assert.equal(v4.version, 4);
    assertMatchesGit(v4, repo);
  });

  it('reads unmerged entries with their stages', () => {
    const repo = makeRepo();
    repo.write('a.txt', 'base\n');
    repo.write('keep.txt', 'keep\n');
    repo.git('add', '.');
    repo.git('commit', '-q', '-m', 'base');
    const main = repo.git('symbolic-ref', '--short', 'HEAD').trim();
    repo.git('checkout', '-q', '-b', 'other');
    repo.write('a.txt', 'other\n');
    repo.write('new.txt', 'other new\n');
    repo.git('add', '.');
    repo.git('commit', '-q', '-m', 'other');
    repo.git('checkout', '-q', main);
    repo.write('a.txt', 'main\n');
    repo.write('new.txt', 'main new\n');
    repo.git('add', '.');
    repo.git('commit', '-q', '-m', 'main');
    assert.throws(() => repo.git('merge', '-q', 'other'));
    const parsed = parseIndex(repo.index(), 20);
    assertMatchesGit(parsed, repo);
    const stages = parsed.entries.map((e) => `${e.path}:${e.stage}`);
    assert.deepEqual(stages, ['a.txt:1', 'a.txt:2', 'a.txt:3', 'keep.txt:0', 'new.txt:2', 'new.txt:3']);
  });

  it('lists the link extension of a split index', () => {
    const repo = makeRepo();
    repo.write('a.txt', 'one\n');
    repo.git('add', '.');
    repo.git('commit', '-q', '-m', 'one');
    repo.git('update-index', '--split-index');
    const parsed = parseIndex(repo.index(), 20);
    assert.ok(parsed.extensions.includes('link'), `extensions: ${parsed.extensions.join(',')}`);
    // The shared index holds the entries and is itself an ordinary index.
    const shared = readdirSync(join(repo.dir, '.git')).filter((n) => n.startsWith('sharedindex.'));
    assert.equal(shared.length, 1);
    const sharedParsed = parseIndex(readFileSync(join(repo.dir, '.git', shared[0]!)), 20);
    assert.ok(!sharedParsed.extensions.includes('link'));
    assert.deepEqual(
      sharedParsed.entries.map((e) => e.path),
      ['a.txt'],
    );
  });
});

describe('writeStat, smudgeSize and seal', () => {
  for (const [label, initArgs, hashLength, version] of [
    ['version 2, SHA-1', [], 20, '2'],
    ['version 4, SHA-1', [], 20, '4'],
    ['version 3, SHA-256', ['--object-format=sha256'], 32, '3'],
  ] as const) {
    it(`writes stat data git reads back (${label})`, () => {
      const repo = makeRepo(...initArgs);
      repo.write('a.txt', 'one\n');
      repo.write('dir/b.txt', 'two\n');
      repo.write('dir/c.txt', 'three\n');
      repo.git('add', '.');
      repo.git('commit', '-q', '-m', 'one');
      // Git writes version 3 only when some entry has extended flags (here skip-worktree).
      if (version === '3') repo.git('update-index', '--skip-worktree', 'a.txt');
      else repo.git('update-index', '--index-version', version);
      const data = repo.index();
      const parsed = parseIndex(data, hashLength);
      assert.equal(parsed.version, Number(version));
      const before = lsFiles(repo);
      const b = parsed.entries.find((e) => e.path === 'dir/b.txt')!;
      const c = parsed.entries.find((e) => e.path === 'dir/c.txt')!;
      const stat: StatData = {
        ctimeSec: 1_234_567_890,
        ctimeNsec: 123_456_789,
        mtimeSec: 1_234_567_891,
        mtimeNsec: 987_654_321,
        dev: 42,
        ino: 2 ** 32 + 4242, // cut to its low 32 bits, as git's fill_stat_data does
        uid: 7,
        gid: 8,
        // The real size ("two\n") above 4 GiB: a different size would make git report the file
        // modified without looking (read-cache.c ie_modified); the same size makes it compare.
        size: 2 ** 32 + 4,
      };
      writeStat(data, b.offset, stat);
      smudgeSize(data, c.offset);
      throwsFormat(() => parseIndex(data, hashLength), /checksum/);
      seal(data, hashLength);
      const reparsed = parseIndex(data, hashLength);
      const expected = { ...stat, ino: 4242, size: 4 };
      assert.deepEqual(reparsed.entries.find((e) => e.path === 'dir/b.txt')!.stat, expected);
      assert.equal(reparsed.entries.find((e) => e.path === 'dir/c.txt')!.stat.size, 0);
      // Mode, object name and every other entry are untouched.
      assert.deepEqual(
        reparsed.entries.map(({ path, mode, oid, stage }) => ({ path, mode, oid, stage })),
        parsed.entries.map(({ path, mode, oid, stage }) => ({ path, mode, oid, stage })),
      );
      assert.deepEqual(reparsed.extensions, parsed.extensions);

      writeFileSync(join(repo.dir, '.git', 'index'), data);
      const after = lsFiles(repo);
      assert.deepEqual(after.find((e) => e.path === 'dir/b.txt')!.stat, expected);
      assert.equal(after.find((e) => e.path === 'dir/c.txt')!.stat.size, 0);
      assert.deepEqual(
        after.filter((e) => !e.path.startsWith('dir/')),
        before.filter((e) => !e.path.startsWith('dir/')),
      );
      // Git accepts the file, and sees the content for what it is: nothing changed.
      assert.equal(run(repo.dir, ['status', '--porcelain']), '');
      assert.equal(repo.git('diff-files', '--name-only'), '');
    });
  }

  it('leaves an all-zero checksum (index.skipHash) zero, and parseIndex accepts it', () => {
    const repo = makeRepo();
    repo.write('a.txt', 'one\n');
    repo.git('add', '.');
    const data = repo.index();
    data.fill(0, data.length - 20);
    const parsed = parseIndex(data, 20);
    writeStat(data, parsed.entries[0]!.offset, { ...parsed.entries[0]!.stat, size: 77 });
    seal(data, 20);
    assert.ok(data.subarray(data.length - 20).every((b) => b === 0));
    assert.equal(parseIndex(data, 20).entries[0]!.stat.size, 77);
  });
});

describe('parseIndex refuses damaged input', () => {
  let data: Buffer;
  let v4: Buffer;
  before(() => {
    const repo = makeRepo();
    repo.write('a.txt', 'one\n');
    repo.write('dir/b.txt', 'two\n');
    repo.write('dir/c.txt', 'three\n');
    repo.git('add', '.');
    repo.git('commit', '-q', '-m', 'one');
    data = repo.index();
    repo.git('update-index', '--index-version', '4');
    v4 = repo.index();
  });

  it('a flipped byte anywhere fails the checksum', () => {
    for (const at of [12, 12 + 40, 80, data.length - 30, data.length - 1]) {
      const copy = Buffer.from(data);
      copy[at]! ^= 0x01;
      throwsFormat(() => parseIndex(copy, 20), /checksum/);
    }
  });

  it('a truncated file is refused', () => {
    for (const length of [0, 4, 12, 31, 40, 100, data.length - 21, data.length - 1]) {
      throwsFormat(() => parseIndex(data.subarray(0, length), 20));
    }
  });

  it('a truncated file with a valid checksum is refused by its structure', () => {
    const parsed = parseIndex(data, 20);
    // Cut in the middle of the last entry, and just after the entries (extension header cut short).
    const last = parsed.entries[parsed.entries.length - 1]!;
    for (const cut of [last.offset + 10, last.offset + 66]) {
      const copy = Buffer.concat([data.subarray(0, cut), Buffer.alloc(20)]);
      throwsFormat(() => parseIndex(resealed(copy, 20), 20), /truncated|bad path/);
    }
    const v4Entries = parseIndex(v4, 20).entries;
    for (const cut of [v4Entries[1]!.offset + 1, v4Entries[2]!.offset + 63, v4Entries[2]!.offset + 64]) {
      const copy = Buffer.concat([v4.subarray(0, cut), Buffer.alloc(20)]);
      throwsFormat(() => parseIndex(resealed(copy, 20), 20), /truncated|bad|varint/);
    }
  });

  it('an entry count larger than the entries is refused', () => {
    for (const source of [data, v4]) {
      const copy = Buffer.from(source);
      copy.writeUInt32BE(copy.readUInt32BE(8) + 1, 8);
      throwsFormat(() => parseIndex(resealed(copy, 20), 20));
    }
  });

  it('an extension overrunning the checksum is refused', () => {
    const parsed = parseIndex(data, 20);
    assert.deepEqual(parsed.extensions, ['TREE']);
    const last = parsed.entries[parsed.entries.length - 1]!;
    // TREE follows the last entry ("dir/c.txt", 62 + 9 bytes padded to 72).
    const treeAt = last.offset + 72;
    assert.equal(data.toString('latin1', treeAt, treeAt + 4), 'TREE');
    const copy = Buffer.from(data);
    copy.writeUInt32BE(copy.readUInt32BE(treeAt + 4) + 1, treeAt + 4);
    throwsFormat(() => parseIndex(resealed(copy, 20), 20), /overrun|truncated/);
  });

  it('a wrong signature or an unknown version is refused', () => {
    const wrong = Buffer.from(data);
    wrong.write('DIRD', 0, 'latin1');
    throwsFormat(() => parseIndex(resealed(wrong, 20), 20), /DIRC/);
    for (const version of [1, 5]) {
      const copy = Buffer.from(data);
      copy.writeUInt32BE(version, 4);
      throwsFormat(() => parseIndex(resealed(copy, 20), 20), /version/);
    }
  });

  it('extended flags in a version 2 index are refused', () => {
    const copy = Buffer.from(data);
    const flagsAt = 12 + 40 + 20;
    copy.writeUInt16BE(copy.readUInt16BE(flagsAt) | 0x4000, flagsAt);
    throwsFormat(() => parseIndex(resealed(copy, 20), 20), /extended/);
  });

  it('a version 4 entry stripping more than the previous path is refused', () => {
    const parsed = parseIndex(v4, 20);
    const second = parsed.entries[1]!; // "dir/b.txt" after "a.txt": strip 5, suffix "dir/b.txt"
    const varintAt = second.offset + 40 + 20 + 2;
    assert.equal(v4[varintAt], 5);
    const copy = Buffer.from(v4);
    copy[varintAt] = 6;
    throwsFormat(() => parseIndex(resealed(copy, 20), 20), /bad path/);
    // A strip count of 2^31 (five varint bytes) as well: it must not wrap to a negative number
    // and keep the whole previous path.
    for (const strip of [2 ** 31, 2 ** 31 + 127]) {
      const huge = Buffer.concat([v4.subarray(0, varintAt), Buffer.from(encodeVarint(strip)), v4.subarray(varintAt + 1)]);
      throwsFormat(() => parseIndex(resealed(huge, 20), 20), /bad path|varint/);
    }
  });
});

describe('readVarint', () => {
  it('decodes git varint.c encodings: each continuation adds one before shifting', () => {
    const cases: Array<[number, number[]]> = [
      [0, [0x00]],
      [1, [0x01]],
      [127, [0x7f]],
      [128, [0x80, 0x00]],
      [129, [0x80, 0x01]],
      [255, [0x80, 0x7f]],
      [16511, [0xff, 0x7f]],
      [16512, [0x80, 0x80, 0x00]],
      [2113663, [0xff, 0xff, 0x7f]],
    ];
    for (const [value, bytes] of cases) {
      assert.deepEqual(encodeVarint(value), bytes, `encoding of ${value}`);
      // Read from the middle of a buffer, with trailing bytes that must not be consumed.
      const buf = Buffer.from([0xaa, ...bytes, 0x80, 0x05]);
      assert.deepEqual(readVarint(buf, 1, buf.length), { value, length: bytes.length }, `decoding ${bytes}`);
    }
    for (const value of [300, 4095, 4096, 70000, 123456789, 2 ** 31 - 1]) {
      const bytes = encodeVarint(value);
      assert.deepEqual(readVarint(Buffer.from(bytes), 0, bytes.length), { value, length: bytes.length });
    }
  });

  it('refuses a varint running past the end', () => {
    throwsFormat(() => readVarint(Buffer.from([0x80]), 0, 1), /varint/);
    throwsFormat(() => readVarint(Buffer.from([0x80, 0x00]), 0, 1), /varint/);
    throwsFormat(() => readVarint(Buffer.from([0x05]), 1, 1), /varint/);
  });

  it('refuses a varint too large for any path, never returning a negative value', () => {
    throwsFormat(() => readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), 0, 6), /varint/);
    for (const value of [2 ** 31, 2 ** 31 + 127, 2 ** 32, 2 ** 40]) {
      const bytes = encodeVarint(value);
      let decoded: number | undefined;
      try {
        decoded = readVarint(Buffer.from(bytes), 0, bytes.length).value;
      } catch (err) {
        assert.ok(err instanceof IndexFormatError);
        continue;
      }
      assert.equal(decoded, value, `decoding ${bytes}`);
    }
  });
});
