// What `npm install -g <checkout or git URL>` and `npx` get: the package must hold the CLI, the
// license and every document the README links to. `--ignore-scripts`: no rebuild of dist/ while
// other test files run from it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

describe('the npm package', () => {
  const listing = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as Array<{ files: Array<{ path: string }> }>;
  const files = new Set(listing[0]!.files.map((f) => f.path));
  const manifest = JSON.parse(readFileSync(`${root}/package.json`, 'utf8')) as { bin: Record<string, string>; scripts: Record<string, string> };

  it('holds the lfs-lazy command, the license and the README', () => {
    assert.ok(files.has(manifest.bin['lfs-lazy']!.replace(/^\.\//, '')), 'the bin entry is not in the package');
    assert.ok(files.has('LICENSE') && files.has('README.md'));
  });

  it('holds every document the README links to', () => {
    const readme = readFileSync(`${root}/README.md`, 'utf8');
    const linked = [...readme.matchAll(/\]\((docs\/[^)#\s]+)/g)].map((m) => m[1]!);
    assert.ok(linked.length > 0);
    for (const doc of linked) assert.ok(files.has(doc), `${doc} is linked from the README but not in the package`);
  });

  it('builds itself when installed from git or an unbuilt checkout (prepare)', () => {
    assert.match(manifest.scripts['prepare'] ?? '', /\btsc\b/);
  });
});
