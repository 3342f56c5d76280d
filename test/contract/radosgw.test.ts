// Everything that runs against a real S3 implementation, Ceph's radosgw, in ONE file: node's test
// runner gives each test file its own process, and the gateway (~15 s to start) is started once
// per process (test/helpers/radosgw.ts sharedRadosgw). If it cannot start, every test here fails
// with the daemons' log tails: never skipped.
import { before } from 'node:test';
import { radosgwEnv, sharedRadosgw, type RadosgwHandle } from '../helpers/radosgw.js';
import { runMainFlows } from '../e2e/main-flows.js';
import { runS3StoreContract } from './s3-store-contract.js';

let gateway: RadosgwHandle;

before(async () => {
  gateway = await sharedRadosgw();
  console.log(`# radosgw started in ${gateway.startSeconds.toFixed(1)} s at ${gateway.endpoint}`);
  Object.assign(process.env, radosgwEnv(gateway));
});

runS3StoreContract('radosgw', {}, () => ({
  name: 'radosgw', endpoint: gateway.endpoint, bucket: gateway.bucket, accessKeyId: gateway.accessKeyId, secretAccessKey: gateway.secretAccessKey,
}));

runMainFlows('radosgw', {}, () => ({
  endpoint: gateway.endpoint,
  bucket: gateway.bucket,
  env: radosgwEnv(gateway),
  refusedEnv: { AWS_SECRET_ACCESS_KEY: 'a-wrong-secret-for-radosgw' },
  secrets: [gateway.secretAccessKey, 'a-wrong-secret-for-radosgw'],
}));
