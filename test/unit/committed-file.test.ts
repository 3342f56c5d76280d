// readPlainConfigFile stands in for `git config -z -f <file> --list` (what load-settings ran for
// the working tree's .lfslazyconfig): each file below is read both ways, by real git, and the plain
// reading must either give git's exact entries or decline (undefined), so the caller asks git.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readPlainConfigFile } from '../../src/config/committed-file.js';
import { git, parseConfigList } from '../../src/git/git.js';

// Files the plain reading must take, and agree with git on.
const PLAIN: Record<string, string> = {
  'what install writes': '[lfs-lazy]\n\turl = s3://bucket/prefix\n\tendpoint = http://127.0.0.1:9000\n\tregion = us-east-1\n',
  'no final newline, spaces kept inside a value, trimmed around it': '[lfs-lazy]\nurl=s3://b0b/p\n  hydrate =   data/my  files/*.json   \t\n[lfs-lazy]\nhydrate = !data/raw',
  'upper case section and keys, comments, blank lines, an empty value': '# storage\n\n[LFS-Lazy]\n; region below\n\tRegion = eu-west-1\n\tforcePathStyle =\n[other]\nkey = v=1&w=2\n',
  'an empty file': '',
  'non-ASCII values': '[lfs-lazy]\nhydrate = données/*.bin\n',
};

// Files where git's own reading takes more than the plain subset covers (unquoting, escapes, inline
// comments, subsections, keys without a value, CRLF, a BOM) or fails outright: declined.
const DECLINED: Record<string, string> = {
  'a quoted value': '[lfs-lazy]\nurl = "s3://b0b/p # not a comment"\n',
  'an escape': '[lfs-lazy]\nurl = s3://b0b/p\\\n/continued\n',
  'an inline comment': '[lfs-lazy]\nurl = s3://b0b/p # the bucket\n',
  'a tab inside a value': '[lfs-lazy]\nhydrate = a\tb\n',
  'a subsection': '[lfs-lazy "x"]\nurl = s3://b0b/p\n',
  'a key without a value': '[lfs-lazy]\nforcepathstyle\n',
  'CRLF line ends': '[lfs-lazy]\r\nurl = s3://b0b/p\r\n',
  'a byte-order mark': '\ufeff[lfs-lazy]\nurl = s3://b0b/p\n',
  'a key before any section (git fails)': 'url = s3://b0b/p\n',
  'a broken line (git fails)': '[lfs-lazy]\nurl s3://b0b/p = x y\n[broken\n',
  'a key on the line of its section': '[lfs-lazy] url = s3://b0b/p\n',
};

describe('readPlainConfigFile: git config -f <file> --list without git', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-committed-file-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  let n = 0;
  async function bothReadings(text: string): Promise<{ plain: Array<[string, string]> | undefined; git: Array<[string, string]> | undefined }> {
    const file = join(dir, `config-${n++}`);
    await writeFile(file, text);
    const result = await git(['config', '-z', '-f', file, '--list'], { cwd: dir, okCodes: [1, 128] });
    return { plain: readPlainConfigFile(file), git: result.code === 0 ? parseConfigList(result.stdout) : undefined };
  }

  for (const [name, text] of Object.entries(PLAIN)) {
    it(`reads ${name} as git does`, async () => {
      const { plain, git: expected } = await bothReadings(text);
      assert.ok(expected !== undefined, 'git reads it');
      assert.deepEqual(plain, expected);
    });
  }

  for (const [name, text] of Object.entries(DECLINED)) {
    it(`leaves ${name} to git`, async () => {
      const { plain } = await bothReadings(text);
      assert.equal(plain, undefined);
    });
  }

  it('a file that cannot be read is left to git', () => {
    assert.equal(readPlainConfigFile(join(dir, 'missing')), undefined);
    assert.equal(readPlainConfigFile(dir), undefined);
  });
});
