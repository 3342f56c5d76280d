// Row 3c's floor as a program of its own: `node floor-process.js <job.json>`. hydrate is timed as
// the process a user starts (node's start, the SDK loaded, a client made), so the plain-SDK code
// it is compared with is timed the same way rather than inside the warm bench process.
import { readFileSync } from 'node:fs';
import { rawClient, rawGetManyVerified } from './raw-sdk.js';

export interface FloorJob {
  endpoint: string;
  bucket: string;
  keys: string[];
  oids: string[];
  dir: string;
  concurrency: number;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as FloorJob;
const client = rawClient(job.endpoint);
await rawGetManyVerified(client, job.bucket, job.keys, job.oids, job.dir, job.concurrency);
client.destroy();
