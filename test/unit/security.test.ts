// Security rules at the unit level: what a logged error may show, URLs carrying credentials, TLS
// failures, symbolic links in a file store, and source rules (no switch that turns TLS checks off).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { resolveSettings } from '../../src/config/settings.js';
import { ConfigError, LfsLazyError, StorageError } from '../../src/errors/index.js';
import { createLogger, serializeError } from '../../src/log/logger.js';
import { FileStore } from '../../src/store/file-store.js';
import { parseStoreUrl } from '../../src/store/open-store.js';
import { S3Store } from '../../src/store/s3-store.js';
import { toStoreError } from '../../src/store/s3-errors.js';
import { readLines } from '../../src/transport/json-lines.js';
import { urlCarriesCredentials } from '../../src/util/url-credentials.js';

const KEY_ID = 'AKIAUNITFAKEKEY00001';
const SECRET = 'unitFakeSecret/Zq8+wJalrXUtnFEMI/K7MDENG';
const TOKEN = 'unitFakeSessionToken//IQoJb3JpZ2luX2Vj';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

// The shape of an SDK error for S3's SignatureDoesNotMatch: the error document's fields become
// properties (the canonical request holds the session token), plus `$response`.
function signatureError(): Error {
  const err = new Error('The request signature we calculated does not match the signature you provided.');
  Object.assign(err, {
    name: 'SignatureDoesNotMatch',
    Code: 'SignatureDoesNotMatch',
    $fault: 'client',
    $metadata: { httpStatusCode: 403, requestId: 'R1', attempts: 1, totalRetryDelay: 0, cfId: undefined },
    AWSAccessKeyId: KEY_ID,
    StringToSign: `AWS4-HMAC-SHA256\n${KEY_ID}`,
    SignatureProvided: 'abc',
    CanonicalRequest: `GET\n/b/k\n\nhost:h\nx-amz-security-token:${TOKEN}\n`,
    $response: { statusCode: 403, headers: { 'x-amz-security-token': TOKEN }, body: `<Error>${SECRET}</Error>` },
    $responseBodyText: `<CanonicalRequest>${TOKEN}</CanonicalRequest>`,
  });
  return err;
}

describe('logged errors', () => {
  it('keep the message, code and HTTP status of an SDK error, and drop the server document and response', () => {
    const safe = serializeError(signatureError()) as Record<string, unknown>;
    assert.equal(safe['message'], 'The request signature we calculated does not match the signature you provided.');
    assert.equal(safe['Code'], 'SignatureDoesNotMatch');
    assert.deepEqual(safe['$metadata'], { httpStatusCode: 403, requestId: 'R1', attempts: 1 });
    const text = JSON.stringify(safe);
    for (const secret of [KEY_ID, SECRET, TOKEN]) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    for (const field of ['CanonicalRequest', 'StringToSign', 'SignatureProvided', 'AWSAccessKeyId', '$response', '$responseBodyText']) {
      assert.equal(safe[field], undefined, field);
    }
  });

  it('keep our own fields (code, retryable, oid) and the cause chain messages', () => {
    const err = new LfsLazyError('outer failure', { cause: signatureError(), retryable: true });
    Object.assign(err, { oid: 'a'.repeat(64) });
    const safe = serializeError(err) as Record<string, unknown>;
    assert.equal(safe['retryable'], true);
    assert.equal(safe['oid'], 'a'.repeat(64));
    assert.match(String(safe['message']), /outer failure: The request signature/);
    assert.ok(!JSON.stringify(safe).includes(TOKEN));
  });

  it('a log file written at debug level holds no credential, even for a raw SDK error from a real S3 client', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-log-'));
    const saved = { ...process.env };
    // An S3 that answers like AWS to a bad signature: the canonical request, token included.
    const server = createServer((req, res) => {
      req.resume();
      const canonical = `${req.method}\n${req.url}\nx-amz-security-token:${String(req.headers['x-amz-security-token'])}\n`;
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>bad signature</Message>` +
          `<AWSAccessKeyId>${KEY_ID}</AWSAccessKeyId><CanonicalRequest>${canonical}</CanonicalRequest><RequestId>R2</RequestId></Error>`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: KEY_ID, AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: TOKEN, AWS_REGION: 'us-east-1' });
    const file = join(dir, 'nested', 'lfs-lazy.log');
    const logger = createLogger({ level: 'debug', file });
    const store = new S3Store({
      bucket: 'b',
      prefix: 'p',
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      maxAttempts: 1,
      logger,
    });
    try {
      const failure = await store.get('a'.repeat(64)).then(
        () => assert.fail('the refusing server must refuse'),
        (err: unknown) => err as Error,
      );
      logger.warn({ err: failure }, 'mapped');
      logger.warn({ err: failure.cause }, 'raw SDK error');
      logger.debug({ err: signatureError() }, 'shaped');
      const text = await readFile(file, 'utf8');
      assert.match(text, /raw SDK error/);
      assert.match(text, /SignatureDoesNotMatch/);
      for (const secret of [KEY_ID, SECRET, TOKEN]) assert.ok(!text.includes(secret), `${secret} leaked into the log`);
      assert.equal((await stat(file)).mode & 0o777, 0o600);
    } finally {
      store.close();
      process.env = saved;
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('URLs carrying credentials', () => {
  const cases: Array<[string, boolean]> = [
    ['http://127.0.0.1:9000', false],
    ['https://minio.example.com/', false],
    ['http://[::1]:9000/path', false],
    ['s3://bucket/prefix', false],
    ['s3://bucket/pre@fix', false],
    ['file:///data/lfs@v2', false],
    [`https://${KEY_ID}:${SECRET}@minio.example.com`, true],
    [`https://${KEY_ID}:plainsecret@minio.example.com`, true],
    ['https://user@minio.example.com', true],
    ['http://host:90ab', true],
    [`s3://${KEY_ID}:${SECRET}@bucket/prefix`, true],
    [`s3://${KEY_ID}:plain@bucket/prefix`, true],
  ];
  for (const [url, expected] of cases) it(`${expected ? 'spots' : 'accepts'} ${url.replace(SECRET, '<secret>')}`, () => assert.equal(urlCarriesCredentials(url), expected));

  for (const key of ['url', 'endpoint']) {
    it(`resolveSettings refuses a ${key} with credentials without echoing them`, () => {
      const value = key === 'url' ? `s3://${KEY_ID}:${SECRET}@bucket/p` : `https://${KEY_ID}:${SECRET}@minio.example.com`;
      assert.throws(
        () => resolveSettings([{ source: '.lfslazyconfig (HEAD)', values: new Map([[key, value]]) }]),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, new RegExp(`\\.lfslazyconfig \\(HEAD\\) lfs-lazy\\.${key}: the URL contains a user name or password`));
          assert.ok(!err.message.includes(SECRET) && !err.message.includes(KEY_ID), err.message);
          return true;
        },
      );
    });
  }

  it('parseStoreUrl refuses a store URL with credentials without echoing them', () => {
    for (const url of [`s3://${KEY_ID}:${SECRET}@bucket/p`, `s3://${KEY_ID}:x@bucket`]) {
      assert.throws(
        () => parseStoreUrl(url),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          assert.match(err.message, /credentials do not belong in the URL/);
          assert.ok(!err.message.includes(KEY_ID) && !err.message.includes(SECRET), err.message);
          return true;
        },
      );
    }
  });
});

describe('TLS failures', () => {
  const ctx = { operation: 'stat', location: 's3://b/k', oid: 'a'.repeat(64), bucket: 'b', endpoint: 'https://127.0.0.1:1' };
  const tlsCodes = ['DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID'];
  for (const code of tlsCodes) {
    it(`${code} is a permanent failure naming the endpoint and NODE_EXTRA_CA_CERTS`, () => {
      const err = toStoreError(Object.assign(new Error('certificate problem'), { code, $metadata: { attempts: 1 } }), ctx);
      assert.ok(err instanceof StorageError);
      assert.equal(err.retryable, false);
      assert.match(err.message, new RegExp(`the TLS certificate of https://127\\.0\\.0\\.1:1 was not accepted \\(certificate problem; ${code}\\)`));
      assert.match(err.message, /NODE_EXTRA_CA_CERTS/);
    });
  }
  for (const code of ['ECONNRESET', 'ECONNREFUSED', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER']) {
    it(`${code} is not mistaken for a certificate failure`, () => {
      const err = toStoreError(Object.assign(new Error('socket trouble'), { code }), ctx);
      assert.doesNotMatch(err.message, /TLS certificate/);
    });
  }

  it('no source turns certificate checks off', () => {
    const srcDir = fileURLToPath(new URL('../../../src', import.meta.url));
    const sources = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const p = join(dir, name);
        return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
      });
    const hits = sources(srcDir).filter((f) => /rejectUnauthorized|NODE_TLS_REJECT_UNAUTHORIZED|checkServerIdentity|secureOptions/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(hits, []);
  });
});

describe('oversized agent input', () => {
  it('keeps the first bytes of a dropped line, so the agent can still answer its oid', async () => {
    const line = `{"event":"upload","oid":"${'e'.repeat(64)}","pad":"${'x'.repeat(5000)}"}\n{"next":1}\n`;
    const items = [];
    const input = (async function* () {
      yield Buffer.from(line);
    })();
    for await (const item of readLines(input, { maxLineBytes: 1000 })) items.push(item);
    assert.equal(items.length, 2);
    const [dropped, next] = items;
    assert.ok(dropped && 'error' in dropped);
    assert.ok(dropped.head.startsWith(`{"event":"upload","oid":"${'e'.repeat(64)}"`));
    assert.ok(dropped.head.length <= 4096);
    assert.deepEqual(next, { line: '{"next":1}' });
  });
});

describe('FileStore and symbolic links', () => {
  let dir: string;
  let storeDir: string;
  let outside: string;
  let store: FileStore;
  const data = randomBytes(500);
  const oid = sha256(data);
  const shard = (): string => join(storeDir, oid.slice(0, 2));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-links-'));
    storeDir = join(dir, 'store');
    outside = join(dir, 'outside');
    await mkdir(storeDir);
    await mkdir(join(outside, oid.slice(2, 4)), { recursive: true });
    await writeFile(join(outside, oid.slice(2, 4), oid), data);
    await symlink(outside, shard());
    store = new FileStore(storeDir);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const refused = (err: unknown): boolean => {
    assert.ok(err instanceof StorageError, String(err));
    assert.equal(err.retryable, false);
    assert.match(err.message, new RegExp(`${oid} leads outside the store, to ${outside}.* through a symbolic link`));
    return true;
  };

  it('stat, get and delete refuse an object reached through a linked shard directory', async () => {
    await assert.rejects(store.stat(oid), refused);
    await assert.rejects(store.get(oid), refused);
    await assert.rejects(store.get(oid, { start: 0, end: 9 }), refused);
    await assert.rejects(store.delete(oid), refused);
    assert.ok((await readFile(join(outside, oid.slice(2, 4), oid))).equals(data), 'the outside file is untouched');
  });

  it('put writes nothing through a linked shard directory', async () => {
    await rm(join(outside, oid.slice(2, 4), oid));
    const source = join(dir, 'source.bin');
    await writeFile(source, data);
    await assert.rejects(store.put(oid, data.length, source), refused);
    assert.deepEqual(await readdir(join(outside, oid.slice(2, 4))), []);
    assert.deepEqual(await readdir(join(storeDir, 'tmp')).catch(() => []), [], 'no temp file is left');
  });

  it('a link that stays inside the store is followed', async () => {
    await rm(shard());
    const real = join(storeDir, 'elsewhere');
    await mkdir(real);
    await symlink(real, shard());
    const source = join(dir, 'source.bin');
    await store.put(oid, data.length, source);
    assert.deepEqual(await store.stat(oid), { size: data.length });
    assert.ok((await readFile(join(real, oid.slice(2, 4), oid))).equals(data));
  });
});

