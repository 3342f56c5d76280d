import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeSandbox, CLI_PATH, type Sandbox } from '../helpers/sandbox.js';

async function configDump(box: Sandbox, scope: string, cwd: string): Promise<string> {
  return (await box.git(['config', `--${scope}`, '--list'], { cwd, allowFail: true })).stdout;
}

describe('lfs-lazy install / uninstall', () => {
  let box: Sandbox;
  let repo: string;

  before(async () => {
    box = await makeSandbox();
    repo = join(box.root, 'repo with space');
    await box.git(['init', '-q', repo]);
  });
  after(() => box.cleanup());

  it('writes the agent keys with absolute, shell-quoted paths, and is idempotent', async () => {
    await box.cli(['install', '--local'], { cwd: repo });
    const first = await configDump(box, 'local', repo);
    assert.match(first, /lfs\.standalonetransferagent=lfs-lazy/);
    assert.ok(first.includes(`lfs.customtransfer.lfs-lazy.path=${process.execPath}`));
    assert.ok(first.includes(`lfs.customtransfer.lfs-lazy.args=${CLI_PATH} agent`) || first.includes(`lfs.customtransfer.lfs-lazy.args='${CLI_PATH}' agent`));
    const second = await box.cli(['install', '--local'], { cwd: repo });
    assert.match(second.stdout, /already installed/);
    assert.equal(await configDump(box, 'local', repo), first);
    // The pre-push hook is what uploads objects on git push.
    assert.match(await readFile(join(repo, '.git', 'hooks', 'pre-push'), 'utf8'), /git lfs pre-push/);
  });

  it('the agent command git-lfs would run answers init, even from a path with spaces', async () => {
    const args = (await box.git(['config', 'lfs.customtransfer.lfs-lazy.args'], { cwd: repo })).stdout.trim();
    const path = (await box.git(['config', 'lfs.customtransfer.lfs-lazy.path'], { cwd: repo })).stdout.trim();
    const result = await box.run('sh', ['-c', `'${path}' ${args}`], {
      cwd: join(repo),
      input: '{"event":"init","operation":"download","remote":"origin","concurrent":true,"concurrenttransfers":8}\n{"event":"terminate"}\n',
    });
    assert.equal(result.stdout, '{}\n');
  });

  it('uninstall removes exactly what install wrote and leaves values the user changed', async () => {
    const before = await configDump(box, 'local', repo);
    await box.git(['config', '--local', 'lfs.customtransfer.lfs-lazy.concurrent', 'false'], { cwd: repo });
    await box.git(['config', '--local', 'user.signingkey', 'mine'], { cwd: repo });
    await box.cli(['uninstall', '--local'], { cwd: repo });
    const after = await configDump(box, 'local', repo);
    assert.doesNotMatch(after, /standalonetransferagent|customtransfer\.lfs-lazy\.(path|args|direction)/);
    assert.match(after, /lfs\.customtransfer\.lfs-lazy\.concurrent=false/);
    assert.match(after, /user\.signingkey=mine/);
    for (const line of before.split('\n').filter((l) => l.startsWith('filter.lfs') || l.startsWith('core.'))) {
      assert.ok(after.includes(line), `uninstall removed ${line}`);
    }
  });

  it('--global writes to the user config and --local outside a repository is refused', async () => {
    await box.cli(['install', '--global'], { cwd: box.root });
    assert.match(await configDump(box, 'global', box.root), /lfs\.standalonetransferagent=lfs-lazy/);
    const refused = await box.cli(['install', '--local'], { cwd: box.root, allowFail: true });
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr.trim().split('\n').length, 1);
    await box.cli(['uninstall', '--global'], { cwd: box.root });
    assert.doesNotMatch(await configDump(box, 'global', box.root), /standalonetransferagent/);
  });
});
