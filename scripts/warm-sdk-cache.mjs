// Part of `npm run build` (scripts/bundle.mjs): loads the AWS SDK's bundle through the code cache
// (dist/src/cli/code-cache.cjs) and makes the requests lfs-lazy makes — HEAD, GET, ranged GET, PUT
// — against a stand-in S3 endpoint on 127.0.0.1, so that the cache written at this process's exit
// holds the functions a first request compiles. Nothing leaves the machine; the credentials are
// made up. A plain .mjs, like bundle.mjs.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';

// The SDK's notice that its 2027 releases need node 22 is not this build's business.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
const bundle = resolve(process.argv[2]);
const require = createRequire(import.meta.url);
const { runBundle } = require(resolve('dist/src/cli/code-cache.cjs'));
const sdk = { exports: {} };
runBundle(bundle, { module: sdk, require: createRequire(bundle), filename: bundle, dirname: dirname(bundle) });
const { S3Client, HeadObjectCommand, GetObjectCommand, PutObjectCommand } = sdk.exports.clientS3;

const body = Buffer.from('lfs-lazy warms its code cache\n');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('ETag', '"0"');
    res.setHeader('Content-Length', req.method === 'PUT' ? 0 : body.length);
    res.end(req.method === 'GET' ? body : undefined);
  });
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const client = new S3Client({
  endpoint: `http://127.0.0.1:${server.address().port}`,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: 'warm', secretAccessKey: 'warm' },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});
const at = { Bucket: 'warm', Key: 'warm' };
try {
  // What a store's reads use of the SDK (src/store/s3-direct-request.ts): its endpoint rules and
  // its signer; the requests themselves go out through node's http.
  const { getEndpointFromInstructions } = sdk.exports.smithyEndpoints;
  const endpoint = await getEndpointFromInstructions(at, GetObjectCommand, client.config);
  const signer = await client.config.signer(endpoint.properties.authSchemes[0]);
  const request = { method: 'GET', protocol: 'http:', hostname: endpoint.url.hostname, port: Number(endpoint.url.port), path: '/warm/warm', query: {}, headers: { host: endpoint.url.host, range: 'bytes=0-3' } };
  await signer.sign(request, { signingRegion: 'us-east-1', signingService: 's3' });
  // The SDK's own requests: a PUT (uploads), and the HEAD and GET of endpoints it must send itself.
  await client.send(new HeadObjectCommand(at));
  const got = await client.send(new GetObjectCommand(at));
  for await (const chunk of got.Body) void chunk;
  await client.send(new PutObjectCommand({ ...at, Body: body, ContentLength: body.length }));
} finally {
  client.destroy();
  server.close();
}
