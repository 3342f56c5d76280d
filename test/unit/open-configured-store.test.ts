// The store factory: settings in, store out. The S3 client is built but never sent a request.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { environmentLayer, readSdkEnvironment, resolveSettings, type ConfigLayer } from '../../src/config/settings.js';
import { ConfigError } from '../../src/errors/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { FileStore } from '../../src/store/file-store.js';
import { openConfiguredStore } from '../../src/store/open-store.js';
import { S3Store } from '../../src/store/s3-store.js';

const layer = (values: Record<string, string>): ConfigLayer => ({ source: 'git config', values: new Map(Object.entries(values)) });

describe('openConfiguredStore', () => {
  const opened: Array<{ close(): void }> = [];
  after(() => opened.forEach((s) => s.close()));

  async function s3(values: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<S3Store> {
    const store = await openConfiguredStore(resolveSettings([layer(values), ...environmentLayer(env)], readSdkEnvironment(env)), silentLogger);
    opened.push(store);
    assert.ok(store instanceof S3Store);
    return store;
  }

  it('opens the file:// store the url names', async () => {
    const store = await openConfiguredStore(resolveSettings([layer({ url: 'file:///srv/lfs' })]), silentLogger);
    assert.ok(store instanceof FileStore);
    assert.equal(store.url, 'file:///srv/lfs');
  });

  it('without a url, says how to configure one', async () => {
    await assert.rejects(openConfiguredStore(resolveSettings([]), silentLogger), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^no storage configured: add "url = s3:\/\/bucket\/prefix" under \[lfs-lazy\] in \.lfslazyconfig/);
      return true;
    });
  });

  it('passes the S3 settings to the client', async () => {
    const store = await s3({ url: 's3://bucket/team/repo', endpoint: 'http://127.0.0.1:9', region: 'eu-west-3', forcepathstyle: 'true', checksum: 'when_supported' });
    assert.equal(store.url, 's3://bucket/team/repo');
    assert.equal(await store.client.config.region(), 'eu-west-3');
    assert.equal(store.client.config.forcePathStyle, true);
    assert.equal(await store.client.config.requestChecksumCalculation(), 'WHEN_SUPPORTED');
  });

  // The SDK reads AWS_REGION and AWS_REQUEST_CHECKSUM_CALCULATION itself; the store leaves those to
  // it when the settings saw them, and otherwise picks what suits a custom endpoint. It never looks
  // at process.env: set here, the variables change nothing unless the settings report them.
  describe('what the SDK finds in the environment comes through the settings only', () => {
    const saved = { region: process.env['AWS_REGION'], checksum: process.env['AWS_REQUEST_CHECKSUM_CALCULATION'] };
    after(() => {
      for (const [name, value] of [['AWS_REGION', saved.region], ['AWS_REQUEST_CHECKSUM_CALCULATION', saved.checksum]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });
    const custom = { url: 's3://bucket', endpoint: 'http://127.0.0.1:9' };

    it('a custom endpoint without a region of its own gets us-east-1 and WHEN_REQUIRED checksums', async () => {
      process.env['AWS_REGION'] = 'ap-south-2';
      process.env['AWS_REQUEST_CHECKSUM_CALCULATION'] = 'WHEN_SUPPORTED';
      const store = await s3(custom);
      assert.equal(await store.client.config.region(), 'us-east-1');
      assert.equal(await store.client.config.requestChecksumCalculation(), 'WHEN_REQUIRED');
    });

    it('AWS_REGION and AWS_REQUEST_CHECKSUM_CALCULATION, seen by the settings, are left to the SDK', async () => {
      const env = { AWS_REGION: 'ap-south-2', AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_SUPPORTED' };
      Object.assign(process.env, env);
      const store = await s3(custom, env);
      assert.equal(await store.client.config.region(), 'ap-south-2');
      assert.equal(await store.client.config.requestChecksumCalculation(), 'WHEN_SUPPORTED');
    });

    it('an endpoint from AWS_ENDPOINT_URL_S3 is a custom endpoint like any other', async () => {
      delete process.env['AWS_REGION'];
      delete process.env['AWS_REQUEST_CHECKSUM_CALCULATION'];
      const store = await s3({ url: 's3://bucket' }, { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' });
      assert.equal(await store.client.config.region(), 'us-east-1');
      assert.equal(await store.client.config.requestChecksumCalculation(), 'WHEN_REQUIRED');
    });
  });
});
