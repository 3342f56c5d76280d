import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/run.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (d: Buffer) => out.push(d));
  stderr.on('data', (d: Buffer) => err.push(d));
  const code = await main(argv, { stdin: new PassThrough(), stdout, stderr, cwd: process.cwd(), env: {} });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('lfs-lazy version', () => {
  for (const spelling of ['-v', '--version', 'version']) {
    it(`${spelling} prints the version`, async () => {
      const result = await run([spelling]);
      assert.equal(result.code, 0);
      assert.match(result.stdout, /^lfs-lazy \d+\.\d+\.\d+ \(node v\d+/);
      assert.equal(result.stderr, '');
    });
  }
});
