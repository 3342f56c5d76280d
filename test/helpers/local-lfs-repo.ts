// A repository in a sandbox with lfs-lazy installed against an endpoint nothing listens on (for
// commands that must fetch nothing), tracking data/**.
import { join } from 'node:path';
import type { Sandbox } from './sandbox.js';

export async function makeLocalLfsRepo(box: Sandbox, name = 'repo'): Promise<string> {
  await box.cli(['install']);
  const repo = join(box.root, name);
  await box.git(['init', '-q', repo]);
  await box.cli(['install', '--local', '--url', 's3://bucket/prefix', '--endpoint', 'http://127.0.0.1:9', '--region', 'us-east-1'], { cwd: repo });
  await box.git(['lfs', 'track', 'data/**'], { cwd: repo });
  return repo;
}
