// The GETs and HEADs an S3Store sends without the SDK's middleware (src/store/s3-direct-request.ts),
// against a scripted endpoint on loopback that answers as S3 does: the request the SDK would send
// (path, signature checked by an independent SigV4), a skewed clock corrected, S3's XML errors
// mapped as the SDK's were, a body that stalls cut by the idle time-out and resumed.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AccessDeniedError, ObjectNotFoundError, StorageError } from '../../src/errors/index.js';
import { directlySignable, objectPath } from '../../src/store/s3-direct-request.js';
import { objectKey } from '../../src/store/keys.js';
import { S3Store, type S3StoreOptions } from '../../src/store/s3-store.js';

const KEY_ID = 'AKIDEXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const OID = createHash('sha256').update('direct').digest('hex');
const DATA = Buffer.from('0123456789'.repeat(1000));

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

// SigV4 as AWS documents it, written here apart from the SDK: the signature S3 would compute.
function expectedSignature(req: IncomingMessage): string {
  const auth = String(req.headers.authorization);
  const signed = /SignedHeaders=([^,]+)/.exec(auth)![1]!.split(';');
  const scope = /Credential=[^/]+\/([^,]+)/.exec(auth)![1]!;
  const [day, region, service] = scope.split('/');
  const amzDate = String(req.headers['x-amz-date']);
  const canonical = [
    req.method,
    req.url,
    '',
    ...signed.map((name) => `${name}:${String(req.headers[name]).trim()}`),
    '',
    signed.join(';'),
    String(req.headers['x-amz-content-sha256']),
  ].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (key: string | Buffer, text: string): Buffer => createHmac('sha256', key).update(text).digest();
  const key = hmac(hmac(hmac(hmac(`AWS4${SECRET}`, day!), region!), service!), 'aws4_request');
  return createHmac('sha256', key).update(toSign).digest('hex');
}

function s3Error(res: ServerResponse, status: number, code: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/xml', ...headers });
  res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>scripted ${code}</Message><RequestId>r1</RequestId></Error>`);
}

describe('S3 GET and HEAD sent without the SDK middleware', () => {
  let server: Server;
  let endpoint: string;
  let handler: Handler = () => undefined;
  const seen: IncomingMessage[] = [];

  before(async () => {
    server = createServer((req, res) => {
      seen.push(req);
      handler(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const store = (extra: Partial<S3StoreOptions> = {}): S3Store =>
    new S3Store({
      bucket: 'b',
      prefix: 'data sets/é+(x)!',
      endpoint,
      forcePathStyle: true,
      region: 'eu-west-1',
      checksum: 'when_required',
      retryPolicy: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      ...extra,
    });
  const withKeys = async <T>(fn: () => Promise<T>): Promise<T> => {
    const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
    process.env['AWS_ACCESS_KEY_ID'] = KEY_ID;
    process.env['AWS_SECRET_ACCESS_KEY'] = SECRET;
    try {
      return await fn();
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  };
  const readAll = async (stream: AsyncIterable<Buffer>): Promise<Buffer> => {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    return Buffer.concat(chunks);
  };
  const serveData: Handler = (req, res) => {
    const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
    if (!range) {
      res.writeHead(200, { 'content-length': DATA.length, etag: '"e1"' });
      return void res.end(req.method === 'HEAD' ? undefined : DATA);
    }
    const from = Number(range[1]);
    const to = range[2] ? Number(range[2]) : DATA.length - 1;
    res.writeHead(206, { 'content-length': to - from + 1, 'content-range': `bytes ${from}-${to}/${DATA.length}`, etag: '"e1"' });
    res.end(DATA.subarray(from, to + 1));
  };

  it('sends the path the SDK sends, signed as SigV4 says, and reads the object and a range', async () => {
    handler = serveData;
    seen.length = 0;
    const s = store();
    await withKeys(async () => {
      assert.deepEqual(await readAll(await s.get(OID)), DATA);
      assert.deepEqual(await readAll(await s.get(OID, { start: 10, end: 19 })), DATA.subarray(10, 20));
      assert.deepEqual(await s.stat(OID), { size: DATA.length });
      // The SDK itself, for the same key: the path it sends is the one the store sent.
      const sdk = new S3Client({ endpoint, forcePathStyle: true, region: 'eu-west-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: SECRET } });
      const out = await sdk.send(new GetObjectCommand({ Bucket: 'b', Key: objectKey('data sets/é+(x)!', OID) }));
      await readAll(out.Body as AsyncIterable<Buffer>);
      sdk.destroy();
    });
    s.close();
    const [whole, ranged, head, bySdk] = seen;
    assert.equal(whole!.url, `/b/data%20sets/%C3%A9%2B%28x%29%21/${OID.slice(0, 2)}/${OID.slice(2, 4)}/${OID}`);
    // The SDK adds ?x-id=GetObject, a name for the operation that S3 ignores.
    assert.equal(`${whole!.url}?x-id=GetObject`, bySdk!.url);
    assert.equal(head!.method, 'HEAD');
    assert.equal(ranged!.headers.range, 'bytes=10-19');
    assert.match(String(ranged!.headers.authorization), /SignedHeaders=[^,]*\brange\b/);
    for (const req of [whole!, ranged!, head!]) {
      const auth = String(req.headers.authorization);
      assert.match(auth, new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/eu-west-1/s3/aws4_request, `));
      assert.equal(/Signature=([0-9a-f]{64})$/.exec(auth)?.[1], expectedSignature(req));
    }
  });

  it('a clock the server calls skewed is corrected from its Date and the request sent again at once', async () => {
    const serverNow = Date.now() + 3_600_000;
    seen.length = 0;
    handler = (req, res) => {
      const date = new Date(serverNow).toUTCString();
      const sent = Date.parse(String(req.headers['x-amz-date']).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));
      if (Math.abs(sent - serverNow) > 15 * 60_000) return s3Error(res, 403, 'RequestTimeTooSkewed', { date });
      res.setHeader('date', date);
      serveData(req, res);
    };
    const s = store();
    const body = await withKeys(async () => readAll(await s.get(OID)));
    s.close();
    assert.deepEqual(body, DATA);
    assert.equal(seen.length, 2, 'the first request was refused for its clock and the second was not');
  });

  it("S3's XML errors are the store's errors, as they were through the SDK", async () => {
    const answers: Array<[number, string, (err: unknown) => boolean]> = [
      [404, 'NoSuchKey', (e) => e instanceof ObjectNotFoundError],
      [403, 'AccessDenied', (e) => e instanceof AccessDeniedError && /AccessDenied/.test(e.message) && !e.message.includes(SECRET)],
      [503, 'SlowDown', (e) => e instanceof StorageError && e.retryable && /after 2 attempts: HTTP 503 SlowDown/.test(e.message)],
      [404, 'NoSuchBucket', (e) => e instanceof StorageError && !e.retryable && /bucket "b" does not exist/.test(e.message)],
    ];
    for (const [status, code, check] of answers) {
      seen.length = 0;
      handler = (_req, res) => s3Error(res, status, code);
      const s = store({ retryPolicy: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
      await withKeys(() => assert.rejects(s.get(OID), check, code));
      s.close();
      assert.equal(seen.length, code === 'SlowDown' ? 2 : 1, `${code}: retried only when the error is transient`);
    }
    handler = (_req, res) => s3Error(res, 404, 'NoSuchKey');
    const s = store();
    assert.equal(await withKeys(() => s.stat(OID)), undefined, 'HEAD of a missing object: not there, no error');
    s.close();
  });

  it('refused requests give their socket back: 100 HEADs of missing objects go over one connection', { timeout: 20_000 }, async () => {
    handler = (_req, res) => {
      res.writeHead(404, { 'x-amz-request-id': 'r1', 'content-type': 'application/xml', 'content-length': 0 });
      res.end();
    };
    const connections = new Set<unknown>();
    const count = (socket: unknown): void => void connections.add(socket);
    server.on('connection', count);
    const s = store();
    try {
      for (let i = 0; i < 100; i++) assert.equal(await withKeys(() => s.stat(OID)), undefined);
    } finally {
      server.off('connection', count);
      s.close();
    }
    assert.equal(connections.size, 1, 'each refused HEAD kept its socket from the pool');
  });

  it('a body that stops arriving fails after the idle time-out and resumes from where it stopped', async () => {
    seen.length = 0;
    const half = DATA.length / 2;
    handler = (req, res) => {
      if (req.headers.range) return serveData(req, res);
      res.writeHead(200, { 'content-length': DATA.length });
      res.write(DATA.subarray(0, half));
      // ... and nothing more: the connection stays open and silent.
    };
    const s = store({ idleTimeoutMs: 150, retryPolicy: { attempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    const body = await withKeys(async () => readAll(await s.get(OID)));
    assert.deepEqual(body, DATA);
    assert.equal(seen[1]?.headers.range, `bytes=${half}-`, 'the second request continued the first');
    seen.length = 0;
    const once = store({ idleTimeoutMs: 150 });
    await withKeys(() => assert.rejects(async () => readAll(await once.get(OID)), /timed out: no data for 150 ms \(idleTimeoutMs\)/));
    s.close();
    once.close();
  });

  // Not a direct request, but the same client (store/s3-client.ts): radosgw refuses a streamed
  // aws-chunked upload with 411 and closes a connection still being written to, which reached
  // the user as EPIPE after 5 attempts, not as the refusal that names the setting to change.
  it('an upload with checksums to an S3-compatible endpoint asks for 100 Continue, so a 411 comes before its body; without checksums none does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-expect-'));
    const file = join(dir, 'object');
    await writeFile(file, DATA);
    handler = (req, res) => (req.method === 'PUT' ? s3Error(res, 411, 'MissingContentLength') : serveData(req, res));
    try {
      for (const [checksum, expect] of [['when_supported', '100-continue'], ['when_required', undefined]] as const) {
        seen.length = 0;
        const s = store({ checksum });
        await withKeys(() => assert.rejects(s.put(OID, DATA.length, file), /refused a streamed upload without Content-Length \(MissingContentLength\)/));
        s.close();
        const put = seen.find((req) => req.method === 'PUT');
        assert.equal(put?.headers.expect, expect, checksum);
        if (checksum === 'when_supported') assert.equal(put?.headers['content-encoding'], 'aws-chunked', 'the streamed upload this is about');
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('only plain SigV4 to a URL without query or headers is sent directly; anything else keeps the SDK', () => {
    const url = new URL('https://b.s3.eu-west-1.amazonaws.com/');
    const sigv4 = { name: 'sigv4', signingName: 's3', signingRegion: 'eu-west-1' };
    assert.equal(directlySignable(url, sigv4, {}), true);
    assert.equal(directlySignable(url, { ...sigv4, name: 'sigv4a' }, {}), false);
    assert.equal(directlySignable(url, { ...sigv4, name: 'sigv4-s3express', signingName: 's3express' }, {}), false);
    assert.equal(directlySignable(new URL('https://h/?x-id=1'), sigv4, {}), false);
    assert.equal(directlySignable(url, sigv4, { 'x-amz-extra': ['1'] }), false);
    assert.equal(directlySignable(url, undefined, {}), false);
    assert.equal(objectPath(new URL('http://h:1/bucket/'), 'a b/c*'), '/bucket/a%20b/c%2A');
    assert.equal(objectPath(url, 'k'), '/k');
  });
});
