import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeSandbox, AGENT_PATH, CLI_PATH, type Sandbox } from '../helpers/sandbox.js';
import { shellQuote } from '../../src/install/install-plan.js';
import { FLUSH, encodeText } from '../../src/protocol/pkt-line.js';

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
    // The CommonJS entry point of the agent, which answers init sooner than the CLI's.
    assert.ok(first.includes(`lfs.customtransfer.lfs-lazy.args=${shellQuote(AGENT_PATH)}\n`), first);
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
    for (const line of before.split('\n').filter((l) => l.startsWith('core.'))) {
      assert.ok(after.includes(line), `uninstall removed ${line}`);
    }
    // Nothing held filter.lfs.* before install here, so uninstall leaves none behind.
    assert.doesNotMatch(after, /^filter\.lfs\.|^lfs-lazy\.replaced-/m);
  });

  it('takes over the agent args an earlier lfs-lazy wrote (`<cli> agent`) without keeping them aside, and uninstall removes them too', async () => {
    const former = `${shellQuote(CLI_PATH)} agent`;
    for (const step of ['upgrade', 'uninstall'] as const) {
      const other = join(box.root, `former-${step}`);
      await box.git(['init', '-q', other]);
      await box.cli(['install', '--local'], { cwd: other });
      await box.git(['config', '--local', 'lfs.customtransfer.lfs-lazy.args', former], { cwd: other });
      if (step === 'upgrade') {
        assert.match((await box.cli(['install', '--local'], { cwd: other })).stdout, /1 git config keys written/);
        const dump = await configDump(box, 'local', other);
        assert.ok(dump.includes(`lfs.customtransfer.lfs-lazy.args=${shellQuote(AGENT_PATH)}\n`), dump);
        assert.doesNotMatch(dump, /lfs-lazy\.replaced-/);
        await box.cli(['uninstall', '--local'], { cwd: other });
      } else {
        await box.cli(['uninstall', '--local'], { cwd: other });
      }
      assert.doesNotMatch(await configDump(box, 'local', other), /customtransfer|lfs-lazy\.replaced-/);
    }
  });

  it('takes over the filter and merge commands an earlier lfs-lazy wrote (dist/src/cli/main.js) without keeping them aside', async () => {
    const formerCli = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
    const other = join(box.root, 'former-cli');
    await box.git(['init', '-q', other]);
    await box.cli(['install', '--local'], { cwd: other });
    const now = await configDump(box, 'local', other);
    const cli = `${shellQuote(process.execPath)} ${shellQuote(CLI_PATH)}`;
    const earlier = `${shellQuote(process.execPath)} ${shellQuote(formerCli)}`;
    // What an install before the bundle wrote: every command through main.js.
    for (const line of now.split('\n').filter((l) => l.includes(cli))) {
      const eq = line.indexOf('=');
      await box.git(['config', '--local', line.slice(0, eq), line.slice(eq + 1).replace(cli, earlier)], { cwd: other });
    }
    assert.ok((await configDump(box, 'local', other)).includes(`filter.lfs.process=${earlier} filter-process`));
    assert.match((await box.cli(['install', '--local'], { cwd: other })).stdout, /4 git config keys written/);
    const upgraded = await configDump(box, 'local', other);
    assert.equal(upgraded, now);
    await box.cli(['uninstall', '--local'], { cwd: other });
    assert.doesNotMatch(await configDump(box, 'local', other), /^filter\.lfs\.|^merge\.lfs-json\.driver|lfs-lazy\.replaced-/m);
  });

  it("writes the 4 filter keys over git-lfs's, and uninstall puts git-lfs's back", async () => {
    const other = join(box.root, 'other repo');
    await box.git(['init', '-q', other]);
    await box.git(['lfs', 'install', '--local'], { cwd: other });
    const gitLfs = (await configDump(box, 'local', other)).split('\n').filter((l) => l.startsWith('filter.lfs.'));
    assert.equal(gitLfs.length, 4, gitLfs.join('\n'));

    await box.cli(['install', '--local'], { cwd: other });
    const command = `${shellQuote(process.execPath)} ${shellQuote(CLI_PATH)}`;
    const get = async (key: string) => (await box.git(['config', '--local', key], { cwd: other })).stdout.trim();
    assert.equal(await get('filter.lfs.process'), `${command} filter-process`);
    assert.equal(await get('filter.lfs.clean'), `${command} clean -- %f`);
    assert.equal(await get('filter.lfs.smudge'), `${command} smudge -- %f`);
    assert.equal(await get('filter.lfs.required'), 'true');
    assert.ok(CLI_PATH.startsWith('/') && process.execPath.startsWith('/'));

    // The process command, run the way git runs it (sh -c), answers the handshake.
    const handshake = Buffer.concat([
      ...['git-filter-client', 'version=2'].map((l) => encodeText(l)),
      FLUSH,
      ...['capability=clean', 'capability=smudge'].map((l) => encodeText(l)),
      FLUSH,
    ]);
    const reply = await box.run('sh', ['-c', await get('filter.lfs.process')], { cwd: other, input: handshake });
    assert.equal(reply.stdout, '0016git-filter-server\n000eversion=2\n00000015capability=clean\n0016capability=smudge\n0000');

    await box.cli(['uninstall', '--local'], { cwd: other });
    const after = await configDump(box, 'local', other);
    for (const line of gitLfs) assert.ok(after.includes(`${line}\n`), `uninstall did not restore ${line}`);
    assert.equal(after.split('\n').filter((l) => l.startsWith('filter.lfs.')).length, 4);
    assert.doesNotMatch(after, /lfs-lazy/);
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

  it('after git lfs uninstall, lfs-lazy uninstall leaves no lfs-lazy key behind (and does not put git-lfs back)', async () => {
    const other = join(box.root, 'lfs uninstalled');
    await box.git(['init', '-q', other]);
    await box.git(['lfs', 'install', '--local'], { cwd: other });
    await box.cli(['install', '--local'], { cwd: other });
    assert.match(await configDump(box, 'local', other), /lfs-lazy\.replaced-filter-lfs-process=/);
    await box.git(['lfs', 'uninstall', '--local'], { cwd: other });
    await box.cli(['uninstall', '--local'], { cwd: other });
    const after = await configDump(box, 'local', other);
    assert.doesNotMatch(after, /lfs-lazy/);
    assert.doesNotMatch(after, /^filter\.lfs\./m, 'uninstall put back the filter git lfs uninstall removed');
  });

  it('a global install run inside some repository leaves that repository alone', async () => {
    const bystander = join(box.root, 'bystander');
    await box.git(['init', '-q', bystander]);
    const before = await configDump(box, 'local', bystander);
    await box.cli(['install', '--global'], { cwd: bystander });
    assert.equal(await configDump(box, 'local', bystander), before);
    assert.equal(existsSync(join(bystander, '.git', 'hooks', 'pre-push')), false, 'git-lfs hooks written into a repository install was not pointed at');
    await box.cli(['uninstall', '--global'], { cwd: box.root });
  });

  it('checks --url and --endpoint before it writes anything', async () => {
    const fresh = join(box.root, 'fresh');
    await box.git(['init', '-q', fresh]);
    const globalBefore = await configDump(box, 'global', fresh);
    const cases: Array<[string[], RegExp]> = [
      [['--url', 'my-bucket/x'], /^lfs-lazy install: invalid store URL "my-bucket\/x": unsupported scheme/],
      [['--url', 's3://My_Bucket/x'], /is not an S3 bucket name/],
      [['--url', 's3://bucket/x', '--endpoint', '127.0.0.1:45871'], /lfs-lazy\.endpoint: "127\.0\.0\.1:45871" is not a URL/],
      [['--url', 's3://bucket/x', '--endpoint', 'http://127.0.0.1:9000/bucket'], /the endpoint is the server only \(http:\/\/127\.0\.0\.1:9000\)/],
    ];
    for (const [options, message] of cases) {
      const refused = await box.cli(['install', ...options], { cwd: fresh, allowFail: true });
      assert.equal(refused.code, 78, refused.stderr);
      assert.match(refused.stderr, message);
      assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    }
    assert.equal(await configDump(box, 'global', fresh), globalBefore, 'a refused install wrote global config');
    assert.equal(existsSync(join(fresh, '.lfslazyconfig')), false);
  });
});
