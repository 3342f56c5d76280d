// The pure parts of `lfs-lazy serve`: what a request target names (and what it may never name),
// how a Range header is decided against a file's size, and the token.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentRange, decideRange, type RangeDecision } from '../../src/serve/byte-range.js';
import { MAX_REV_LENGTH, parseTarget, percentDecode, type ParsedTarget } from '../../src/serve/request-target.js';
import { newToken, presentedToken, tokenMatches } from '../../src/serve/token.js';

function file(parsed: ParsedTarget): { rev: string | undefined; path: string } {
  assert.equal(parsed.kind, 'file', JSON.stringify(parsed));
  return (parsed as Extract<ParsedTarget, { kind: 'file' }>).target;
}

function refusal(parsed: ParsedTarget): number {
  assert.equal(parsed.kind, 'refused', JSON.stringify(parsed));
  return (parsed as Extract<ParsedTarget, { kind: 'refused' }>).status;
}

describe('serve: the request target', () => {
  it('names a file of the checked-out revision, or of a revision after /@', () => {
    assert.deepEqual(file(parseTarget('/data/train/a.bin')), { rev: undefined, path: 'data/train/a.bin' });
    assert.deepEqual(file(parseTarget('/@HEAD~1/data/a.bin')), { rev: 'HEAD~1', path: 'data/a.bin' });
    assert.deepEqual(file(parseTarget('/@v1.0/a.bin?token=x')), { rev: 'v1.0', path: 'a.bin' });
    // A `/` in a branch name is encoded: the rev is one segment.
    assert.deepEqual(file(parseTarget('/@feature%2Fx/a.bin')), { rev: 'feature/x', path: 'a.bin' });
    assert.deepEqual(file(parseTarget('/@HEAD%5E/a.bin')), { rev: 'HEAD^', path: 'a.bin' });
    // A file whose name starts with @ is reached with %40.
    assert.deepEqual(file(parseTarget('/%40types/x.json')), { rev: undefined, path: '@types/x.json' });
    assert.equal(parseTarget('/').kind, 'root');
    assert.equal(parseTarget('/?token=abc').kind, 'root');
  });

  it('decodes percent-escapes exactly once, bytes that are not UTF-8 included', () => {
    assert.deepEqual(file(parseTarget('/data/a%20b%2Bc+d.bin')), { rev: undefined, path: 'data/a b+c+d.bin' });
    assert.deepEqual(file(parseTarget('/caf%C3%A9.bin')), { rev: undefined, path: 'café.bin' });
    // %25 is a literal `%`: `%252e%252e` is the name "%2e%2e", not `..`.
    assert.deepEqual(file(parseTarget('/a/%252e%252e/b')), { rev: undefined, path: 'a/%2e%2e/b' });
    // Latin-1 é (0xE9): the escaped code unit lfs-lazy uses for that byte (util/path-bytes.ts).
    assert.deepEqual(file(parseTarget('/caf%E9.bin')), { rev: undefined, path: 'caf\udce9.bin' });
    assert.equal(percentDecode('%'), undefined);
    assert.equal(percentDecode('%4'), undefined);
    assert.equal(percentDecode('%zz'), undefined);
    assert.equal(refusal(parseTarget('/a%2')), 400);
  });

  it('refuses every way of leaving the tree or reaching .git', () => {
    for (const target of ['/..', '/../etc/passwd', '/data/../../x', '/%2e%2e/x', '/%2E%2E/x', '/data/%2e%2e/%2e%2e/etc/passwd', '/./a', '/%2e/a', '/@HEAD/../a']) {
      assert.equal(refusal(parseTarget(target)), 400, target);
    }
    for (const target of ['/.git/config', '/.git', '/sub/.git/config', '/.GIT/config', '/%2egit/config', '/@HEAD/.git/config', '/@HEAD/a/.Git/HEAD']) {
      assert.equal(refusal(parseTarget(target)), 404, target);
    }
    // An encoded slash inside a segment would let a name carry its own `..`.
    assert.equal(refusal(parseTarget('/a%2F..%2F..%2Fetc/passwd')), 400);
    assert.equal(refusal(parseTarget('/a%2fb')), 400);
    assert.equal(refusal(parseTarget('/a%00b')), 400);
    // Absolute paths: `//etc/passwd` has an empty first segment; absolute-form and `*` are not ours.
    assert.equal(refusal(parseTarget('//etc/passwd')), 404);
    assert.equal(refusal(parseTarget('http://127.0.0.1/etc/passwd')), 400);
    assert.equal(refusal(parseTarget('*')), 400);
    assert.equal(refusal(parseTarget('/data/')), 404);
    assert.equal(refusal(parseTarget('/a#b')), 400);
  });

  it('refuses a rev that git could take for an option, or that is not one', () => {
    for (const rev of ['--output=x', '-n', '%2D%2Doutput%3Dx', '-']) assert.equal(refusal(parseTarget(`/@${rev}/a.bin`)), 400, rev);
    assert.equal(refusal(parseTarget('/@/a.bin')), 400);
    assert.equal(refusal(parseTarget('/@HEAD%0A--output=x/a.bin')), 400);
    assert.equal(refusal(parseTarget(`/@${'a'.repeat(MAX_REV_LENGTH + 1)}/a.bin`)), 400);
    assert.equal(refusal(parseTarget('/@HEAD')), 404);
    assert.equal(refusal(parseTarget('/@HEAD/')), 404);
  });

  it('takes the token from the query, and a repeated one as no token', () => {
    assert.equal(parseTarget('/a?token=abc').token, 'abc');
    assert.equal(parseTarget('/a?x=1&token=a%2Db').token, 'a-b');
    assert.equal(parseTarget('/a?token=abc&token=abc').token, '');
    assert.equal(parseTarget('/a').token, undefined);
    assert.equal(parseTarget('/..?token=t').token, 't');
  });
});

describe('serve: Range', () => {
  const partial = (start: number, end: number): RangeDecision => ({ kind: 'partial', start, end });
  const cases: Array<[string | undefined, number, RangeDecision]> = [
    [undefined, 100, { kind: 'whole' }],
    ['bytes=0-9', 100, partial(0, 9)],
    ['bytes=0-0', 100, partial(0, 0)],
    ['bytes=0-0', 1, partial(0, 0)],
    ['bytes=90-', 100, partial(90, 99)],
    ['bytes=99-', 100, partial(99, 99)],
    // The end past the last byte is clamped.
    ['bytes=50-1000', 100, partial(50, 99)],
    ['bytes=0-99999999999999999999999', 100, partial(0, 99)],
    // Suffix ranges: the last n bytes, all of them when n is larger.
    ['bytes=-10', 100, partial(90, 99)],
    ['bytes=-100', 100, partial(0, 99)],
    ['bytes=-1000', 100, partial(0, 99)],
    ['bytes=-99999999999999999999', 100, partial(0, 99)],
    // Unsatisfiable: the first byte at or past the end, a zero suffix, anything of an empty file.
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=100-200', 100, { kind: 'unsatisfiable' }],
    ['bytes=99999999999999999999-', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-0', 0, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=-5', 0, { kind: 'unsatisfiable' }],
    // Ignored (the whole file): several ranges, another unit, anything that does not parse.
    ['bytes=0-1,5-6', 100, { kind: 'whole' }],
    ['bytes=0-1, 200-300', 100, { kind: 'whole' }],
    ['items=0-1', 100, { kind: 'whole' }],
    ['bytes=5-2', 100, { kind: 'whole' }],
    ['bytes=abc', 100, { kind: 'whole' }],
    ['bytes=-', 100, { kind: 'whole' }],
    ['bytes=1-2-3', 100, { kind: 'whole' }],
    ['bytes=+1-2', 100, { kind: 'whole' }],
    ['bytes=0x10-', 100, { kind: 'whole' }],
    ['', 100, { kind: 'whole' }],
    // Case and spaces around the unit and the list, as RFC 9110's grammar allows.
    ['Bytes = 3-4', 100, partial(3, 4)],
    ['bytes=3-4,', 100, partial(3, 4)],
    ['bytes=007-008', 100, partial(7, 8)],
  ];
  for (const [header, size, expected] of cases) {
    it(`${JSON.stringify(header)} of ${size} bytes`, () => assert.deepEqual(decideRange(header, size), expected));
  }

  it('Content-Range of a 206 and of a 416', () => {
    assert.equal(contentRange(partial(0, 0), 1), 'bytes 0-0/1');
    assert.equal(contentRange(partial(90, 99), 100), 'bytes 90-99/100');
    assert.equal(contentRange({ kind: 'unsatisfiable' }, 0), 'bytes */0');
    assert.equal(contentRange({ kind: 'whole' }, 10), undefined);
  });
});

describe('serve: the token', () => {
  it('is 32 random bytes, base64url, different each time', () => {
    const a = newToken();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(a, 'base64url').length, 32);
    assert.notEqual(a, newToken());
  });

  it('is taken from Authorization: Bearer or from the query, never from a mismatch of both', () => {
    assert.equal(presentedToken('Bearer abc', undefined), 'abc');
    assert.equal(presentedToken('bearer  abc ', undefined), 'abc');
    assert.equal(presentedToken(undefined, 'abc'), 'abc');
    assert.equal(presentedToken('Bearer abc', 'abc'), 'abc');
    assert.equal(presentedToken('Bearer abc', 'xyz'), '');
    assert.equal(presentedToken('Basic abc', undefined), '');
    assert.equal(presentedToken(undefined, undefined), undefined);
  });

  it('matches only itself', () => {
    const token = newToken();
    assert.equal(tokenMatches(token, token), true);
    for (const other of [undefined, '', token.slice(0, -1), `${token}x`, token.toUpperCase(), newToken()]) assert.equal(tokenMatches(token, other), false);
  });
});
