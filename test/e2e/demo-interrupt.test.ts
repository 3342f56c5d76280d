// `npm run demo` interrupted (Ctrl-C, a kill) removes what it made and stops its S3 server.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DEMO = fileURLToPath(new URL('../../scripts/demo.js', import.meta.url));

describe('the demo', { timeout: 120_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} mid-run removes its temp directory and exits as interrupted`, async () => {
      const child = spawn(process.execPath, [DEMO], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
      let out = '';
      let sent = false;
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        // The repository is being made: well into the run, with files on disk.
        if (!sent && out.includes('==> a repository with')) {
          sent = true;
          child.kill(signal);
        }
      });
      const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
      assert.ok(sent, `the demo never reached its second step:\n${out}`);
      const root = new RegExp(`demo interrupted \\(${signal}\\): removing (\\S+)`).exec(out)?.[1];
      assert.ok(root, out);
      assert.equal(code, signal === 'SIGINT' ? 130 : 143);
      assert.equal(existsSync(root), false, `${root} was left behind`);
      assert.doesNotMatch(out, /\x1b\[/, 'escape codes on a pipe');
    });
  }
});
