import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { environmentLayer, environmentLogSettings, readSdkEnvironment, resolveSettings, type ConfigLayer } from '../../src/config/settings.js';
import { ConfigError } from '../../src/errors/index.js';

const layer = (source: string, values: Record<string, string>): ConfigLayer => ({ source, values: new Map(Object.entries(values)) });

describe('resolveSettings', () => {
  it('later layers win and each setting remembers its source', () => {
    const { settings, sources } = resolveSettings([
      layer('.lfslazyconfig (HEAD)', { url: 's3://a/p', region: 'eu-west-1', forcePathStyle: 'false' }),
      layer('git config', { url: 's3://b/q' }),
      ...environmentLayer({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' }),
    ]);
    assert.deepEqual(settings, { url: 's3://b/q', region: 'eu-west-1', forcePathStyle: false, endpoint: 'http://127.0.0.1:9000' });
    assert.equal(sources.url, 'git config');
    assert.equal(sources.region, '.lfslazyconfig (HEAD)');
    assert.equal(sources.endpoint, 'environment (AWS_ENDPOINT_URL*)');
  });

  it('reads the read cache budget as a size, from config or LFS_LAZY_CACHE_SIZE', () => {
    assert.equal(resolveSettings([layer('git config', { cachesize: '20GiB' })]).settings.cacheSize, 20 * 1024 ** 3);
    assert.equal(resolveSettings(environmentLayer({ LFS_LAZY_CACHE_SIZE: '500MB' })).settings.cacheSize, 500_000_000);
  });

  it('takes hydrate in the committed file, and keys it does not know in git config (install keeps its own there)', () => {
    const { settings } = resolveSettings([layer('.lfslazyconfig (HEAD)', { url: 's3://b0b/p', hydrate: '*.json' }), layer('git config', { 'replaced-filter-lfs-process': 'x' })]);
    assert.deepEqual(settings, { url: 's3://b0b/p' });
  });

  it('AWS_ENDPOINT_URL_S3 beats AWS_ENDPOINT_URL, and LFS_LAZY_ENDPOINT beats both', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:2' };
    assert.equal(resolveSettings(environmentLayer(env)).settings.endpoint, 'http://127.0.0.1:2');
    assert.equal(resolveSettings(environmentLayer({ ...env, LFS_LAZY_ENDPOINT: 'http://127.0.0.1:3' })).settings.endpoint, 'http://127.0.0.1:3');
  });

  const invalid: Array<[string, Record<string, string>, RegExp]> = [
    ['bad boolean', { forcepathstyle: 'sometimes' }, /expected true or false/],
    ['bad checksum mode', { checksum: 'always' }, /when_required or when_supported/],
    ['a secret key', { secretaccesskey: 'x' }, /credential-like key/],
    ['an access key', { accesskeyid: 'x' }, /credential-like key/],
    ['a session token', { sessiontoken: 'x' }, /credential-like key/],
    ['an endpoint without a scheme', { endpoint: '127.0.0.1:45871' }, /lfs-lazy\.endpoint: "127\.0\.0\.1:45871" is not a URL; write the server with its scheme/],
    ['an endpoint that is not a URL', { endpoint: 'not a url' }, /is not a URL/],
    ['an ftp endpoint', { endpoint: 'ftp://x' }, /"ftp:\/\/x" is not an http:\/\/ or https:\/\/ URL/],
    ['an endpoint with a path', { endpoint: 'http://127.0.0.1:9000/my-bucket' }, /has a path or query; the endpoint is the server only \(http:\/\/127\.0\.0\.1:9000\), the bucket and prefix go in lfs-lazy\.url/],
    ['an unknown log level', { loglevel: 'bogus' }, /lfs-lazy\.loglevel: expected one of trace, debug, info, warn, error, fatal, silent, got "bogus"/],
    ['an unknown key in the committed file', { endpiont: 'http://127.0.0.1:9000' }, /\.lfslazyconfig \(working tree\): unknown key lfs-lazy\.endpiont; the keys are url, endpoint/],
    ['a cache size that is not a size', { cachesize: 'lots' }, /lfs-lazy\.cachesize: expected a size such as 500MB or 20GiB, got "lots"/],
  ];
  for (const [label, values, message] of invalid) {
    it(`refuses ${label}`, () => {
      assert.throws(() => resolveSettings([layer('.lfslazyconfig (working tree)', values)]), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, message);
        assert.doesNotMatch(err.message, /=x\b|"x"/, 'the secret value itself is not echoed');
        return true;
      });
    });
  }
});

describe('what the environment alone says', () => {
  it('which choices the AWS SDK will find there itself (for the store, which never reads the environment)', () => {
    assert.deepEqual(readSdkEnvironment({}), { region: false, checksumCalculation: false });
    assert.deepEqual(readSdkEnvironment({ AWS_REGION: 'eu-west-1', AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED' }), { region: true, checksumCalculation: true });
    assert.deepEqual(readSdkEnvironment({ AWS_REGION: '' }), { region: false, checksumCalculation: false });
  });

  it('where logs go when the config cannot be read', () => {
    assert.deepEqual(environmentLogSettings({ LFS_LAZY_LOG_FILE: '/tmp/x.log', LFS_LAZY_LOG_LEVEL: 'debug', LFS_LAZY_URL: 's3://b' }), {
      logFile: '/tmp/x.log',
      logLevel: 'debug',
    });
    assert.deepEqual(environmentLogSettings({}), {});
  });
});
