import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/errors/index.js';
import { parseStoreUrl, type StoreLocation } from '../../src/store/open-store.js';

describe('parseStoreUrl', () => {
  const valid: Array<[string, StoreLocation]> = [
    ['s3://bucket', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { kind: 's3', bucket: 'bucket', prefix: '' }],
    ['s3://my-bucket.eu/lfs', { kind: 's3', bucket: 'my-bucket.eu', prefix: 'lfs' }],
    ['s3://bucket/team/repo/', { kind: 's3', bucket: 'bucket', prefix: 'team/repo' }],
    ['s3://abc/a', { kind: 's3', bucket: 'abc', prefix: 'a' }],
    ['file:///srv/lfs', { kind: 'file', dir: '/srv/lfs' }],
    ['file:///srv/lfs/', { kind: 'file', dir: '/srv/lfs' }],
    ['file:///mnt/nas/with%20space', { kind: 'file', dir: '/mnt/nas/with space' }],
  ];
  for (const [url, expected] of valid) {
    it(`accepts ${url}`, () => assert.deepEqual(parseStoreUrl(url), expected));
  }

  const invalid = [
    '',
    'bucket/prefix',
    '/abs/dir',
    'https://bucket.s3.amazonaws.com/x',
    's3://',
    's3:///prefix',
    's3://b/x',
    's3://My_Bucket/x',
    's3://UPPER/x',
    's3://a..b/x',
    's3://192.168.1.10/x',
    's3://-dash/x',
    `s3://${'a'.repeat(64)}/x`,
    's3://bucket:9000/x',
    's3://user:pw@bucket/x',
    's3://bucket//double',
    's3://bucket/a/../b',
    's3://bucket/a?x=1',
    'file://relative/dir',
    'file:relative',
    'file:///tmp/%2Fetc',
  ];
  for (const url of invalid) {
    it(`rejects ${JSON.stringify(url)} with a one-line ConfigError`, () => {
      assert.throws(() => parseStoreUrl(url), (err: unknown) => {
        assert.ok(err instanceof ConfigError, `got ${String(err)}`);
        assert.match(err.message, /s3:\/\/bucket\[\/prefix\] or file:\/\/\/absolute\/dir/);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
    });
  }

  it('shows a long URL once, shortened', () => {
    const url = `s3://${'x'.repeat(300)}/prefix`;
    assert.throws(() => parseStoreUrl(url), (err: unknown) => {
      const message = (err as Error).message;
      assert.ok(message.length < 400, message);
      assert.equal(message.split('x'.repeat(60)).length, 2, 'the URL (or its bucket) appears more than once');
      return true;
    });
  });
});
