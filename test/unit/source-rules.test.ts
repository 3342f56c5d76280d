// Rules that keep stdout safe for the protocols, checked over the source tree itself.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const srcDir = fileURLToPath(new URL('../../../src', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('source rules', () => {
  const files = sources(srcDir);
  it('finds the sources', () => assert.ok(files.length > 10));

  it('no console.* in src/ (stdout carries protocol bytes)', () => {
    const hits = files.filter((f) => /\bconsole\.(log|info|debug|warn|error)\(/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(hits, []);
  });

  it('every pino() gets an explicit destination (pino defaults to stdout)', () => {
    const hits = files.filter((f) => /\bpino\(\s*\)|\bpino\(\{[^}]*\}\s*\)/.test(readFileSync(f, 'utf8')));
    assert.deepEqual(hits, []);
  });

  it('the protocol layer touches no fs, process, network or SDK', () => {
    const protocol = files.filter((f) => f.includes(`${join('src', 'protocol')}`));
    for (const file of protocol) {
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /from 'node:(fs|child_process|net|http)|@aws-sdk|pino|\bprocess\.(env|std|exit|cwd|argv)/, file);
    }
  });
});
