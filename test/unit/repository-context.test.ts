// The one repository context every entry point uses, on real temp repositories: when the settings
// are read, what a broken config fails, that the store is opened once, where the logs go.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/errors/index.js';
import { openRepositoryContext, startRepositoryContext } from '../../src/repository/context.js';
import { makeSandbox, type Sandbox } from '../helpers/sandbox.js';

const BROKEN = '[lfs-lazy]\n\tsecretAccessKey = not-a-real-secret\n';

describe('repository context', () => {
  let box: Sandbox;
  let n = 0;

  // A fresh repository whose .lfslazyconfig holds `config`, and the file:// store it names.
  async function repository(config?: string): Promise<{ repo: string; store: string }> {
    const repo = join(box.root, `repo-${n++}`);
    const store = join(box.root, `store-${n}`);
    await box.git(['init', '-q', repo]);
    await writeFile(join(repo, '.lfslazyconfig'), config ?? `[lfs-lazy]\n\turl = file://${store}\n`);
    return { repo, store };
  }

  before(async () => {
    box = await makeSandbox();
  });
  after(() => box?.cleanup());

  it('reads the settings on first use, not at start, and keeps what it read', async () => {
    const { repo, store } = await repository();
    const ctx = await startRepositoryContext(repo, { env: {} }).context;
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Broken after the context exists: a context that had read its settings at start would not see it.
    await writeFile(join(repo, '.lfslazyconfig'), BROKEN);
    await assert.rejects(ctx.settings(), ConfigError);
    // Mended: still the first answer, for every caller (settings, store).
    await writeFile(join(repo, '.lfslazyconfig'), `[lfs-lazy]\n\turl = file://${store}\n`);
    assert.equal(ctx.settings(), ctx.settings());
    await assert.rejects(ctx.settings(), ConfigError);
    await assert.rejects(ctx.remote(), /credential-like key "lfs-lazy\.secretaccesskey"/);
    ctx.close();
  });

  it('a broken config fails only what needs the store: the local store still works', async () => {
    const { repo } = await repository(BROKEN);
    const ctx = await startRepositoryContext(repo, { env: {} }).context;
    const { oid } = await ctx.local.ingest(Readable.from([Buffer.from('local content\n')]));
    assert.ok(existsSync(ctx.local.pathFor(oid)));
    assert.ok(ctx.readCache.pathFor(oid).startsWith(join(ctx.paths.commonDir, 'lfs-lazy', 'read-cache')));
    await assert.rejects(ctx.remote(), ConfigError);
    ctx.close();
  });

  it('openRepositoryContext (commands, the library) reports a broken config before any work', async () => {
    const { repo } = await repository(BROKEN);
    await assert.rejects(openRepositoryContext(repo, { env: {} }), ConfigError);
    await assert.rejects(openRepositoryContext(join(box.root), { env: {} }), /not inside a git repository/);
  });

  it('knows where it was opened from (the prefix git gives: a subdirectory, the root, inside .git) and the index file', async () => {
    const { repo } = await repository();
    const sub = join(repo, 'data', 'train');
    await mkdir(sub, { recursive: true });
    const at = async (cwd: string) => {
      const { paths } = await startRepositoryContext(cwd, { env: {} }).context;
      return { prefix: paths.prefix, worktree: paths.worktree, indexFile: paths.indexFile };
    };
    const indexFile = join(repo, '.git', 'index');
    assert.deepEqual(await at(sub), { prefix: 'data/train/', worktree: repo, indexFile });
    assert.deepEqual(await at(repo), { prefix: '', worktree: repo, indexFile });
    assert.deepEqual(await at(join(repo, '.git')), { prefix: '', worktree: undefined, indexFile });
  });

  it('opens the store the settings name once, however many ask', async () => {
    const { repo, store } = await repository();
    const ctx = await openRepositoryContext(repo, { env: {} });
    const [first, second] = await Promise.all([ctx.remote(), ctx.remote()]);
    assert.equal(first, second);
    assert.equal(first.url, `file://${store}`);
    ctx.close();
  });

  it('the environment given wins over the committed config, as for the settings', async () => {
    const { repo } = await repository();
    const elsewhere = join(box.root, 'from-env');
    const ctx = await openRepositoryContext(repo, { env: { LFS_LAZY_URL: `file://${elsewhere}` } });
    assert.equal((await ctx.remote()).url, `file://${elsewhere}`);
    ctx.close();
  });

  describe('a logger made by the context', () => {
    it('holds its lines until the settings say where they go (lfs-lazy.logfile, lfs-lazy.loglevel)', async () => {
      const { repo } = await repository();
      const file = join(box.root, `log-${n}.jsonl`);
      await box.git(['config', 'lfs-lazy.logfile', file], { cwd: repo });
      await box.git(['config', 'lfs-lazy.loglevel', 'info'], { cwd: repo });
      const { logger, context } = startRepositoryContext(repo, { env: {}, log: { name: 'test' } });
      logger.info('logged before the settings were read');
      logger.debug('below the configured level');
      await (await context).settings();
      logger.info('logged after');
      const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { msg: string; name: string });
      assert.deepEqual(lines.map((l) => l.msg), ['logged before the settings were read', 'logged after']);
      assert.equal(lines[0]!.name, 'test');
    });

    it('quiet: a configured log file gets warnings by default', async () => {
      const { repo } = await repository();
      const file = join(box.root, `log-${n}.jsonl`);
      const { logger, context } = startRepositoryContext(repo, { env: { LFS_LAZY_LOG_FILE: file }, log: { name: 'test', quiet: true } });
      await (await context).settings();
      logger.info('not at the default level');
      logger.warn('a warning');
      assert.deepEqual((await readFile(file, 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg), ['a warning']);
    });

    it('a broken config still lets the logs reach LFS_LAZY_LOG_FILE', async () => {
      const { repo } = await repository(BROKEN);
      const file = join(box.root, `log-${n}.jsonl`);
      const { logger, context } = startRepositoryContext(repo, { env: { LFS_LAZY_LOG_FILE: file }, log: { name: 'test' } });
      logger.warn('before');
      await assert.rejects((await context).settings(), ConfigError);
      assert.match(await readFile(file, 'utf8'), /"msg":"before"/);
    });

    it('outside a repository too', async () => {
      const file = join(box.root, `log-${n++}.jsonl`);
      const { logger, context } = startRepositoryContext(box.root, { env: { LFS_LAZY_LOG_FILE: file }, log: { name: 'test' } });
      logger.warn('no repository here');
      await assert.rejects(context, /not inside a git repository/);
      assert.match(await readFile(file, 'utf8'), /"msg":"no repository here"/);
    });
  });
});
