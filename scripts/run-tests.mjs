// Runs every compiled test file under dist/test with node's own runner. A plain .mjs so that it
// works before anything is built; `npm test` builds first.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return collect(p);
    return p.endsWith('.test.js') ? [p] : [];
  });
}

const only = process.argv.slice(2);
const files = collect('dist/test').filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
// The tests must not touch the repository they run from (the lfs-lazy checkout): its local git
// config and hooks are compared before and after.
const checkoutState = () => {
  const config = spawnSync('git', ['config', '--local', '--list'], { encoding: 'utf8' });
  const hooks = spawnSync('git', ['rev-parse', '--git-path', 'hooks'], { encoding: 'utf8' }).stdout.trim();
  let hookFiles = [];
  try {
    hookFiles = readdirSync(hooks).filter((name) => !name.endsWith('.sample'));
  } catch {
    // not a git checkout (an unpacked tarball): nothing to guard
  }
  return `${config.stdout ?? ''}\nhooks: ${hookFiles.sort().join(' ')}`;
};
const before = checkoutState();
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit', env });
const after = checkoutState();
if (after !== before) {
  process.stderr.write(`the tests changed the checkout they ran from (its .git config or hooks):\nbefore:\n${before}\nafter:\n${after}\n`);
  process.exit(1);
}
process.exit(result.status ?? 1);
