// Rules checked over the source tree itself: stdout stays safe for the protocols, every import
// follows the layers of docs/architecture.md, and files stay small enough to read.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkImportRules, srcRelative } from '../helpers/import-rules.js';

const srcDir = fileURLToPath(new URL('../../../src', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    // .cts too: the agent's CommonJS entry points are source like any other.
    return statSync(p).isDirectory() ? sources(p) : /\.c?ts$/.test(p) ? [p] : [];
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

  it('every import follows the layer table of docs/architecture.md', () => {
    const tree = files.map((f) => ({ path: srcRelative(srcDir, f), text: readFileSync(f, 'utf8') }));
    assert.ok(tree.some((f) => f.path.endsWith('.cts')), 'the .cts entry points are read');
    assert.deepEqual(checkImportRules(tree), []);
  });

  it('the layer check catches a forbidden import (fixtures)', () => {
    const violations = checkImportRules([
      { path: 'protocol/pointer.ts', text: "import { S3Store } from '../store/s3-store.js';\n" },
      { path: 'config/settings.ts', text: "import type { ObjectStore } from '../store/object-store.js';\n" },
      { path: 'local/x.ts', text: "export { toWireError } from '../protocol/transfer-messages.js';\n" },
      { path: 'hydration/y.ts', text: "const sdk = await import('@aws-sdk/client-s3');\n" },
      { path: 'cli/agent-fast-start.cts', text: "const m = require('../transfer/agent.js');\n" },
      { path: 'dataset/z.ts', text: "import { spawn } from 'node:child_process';\n" },
      { path: 'store/ok.ts', text: "import { LfsLazyError } from '../errors/index.js';\nimport { x } from './same-folder.js';\n" },
    ]);
    assert.deepEqual(
      violations.map((v) => `${v.file}: ${v.rule}`),
      [
        'protocol/pointer.ts: protocol/ may not import store/',
        'config/settings.ts: config/ may not import store/',
        'local/x.ts: local/ may not import protocol/',
        'hydration/y.ts: only store/ may import @aws-sdk/',
        'dataset/z.ts: only git/, util/ may import node:child_process',
      ],
    );
  });

  it('no file in src/ is over 250 lines unless its top comment says why it must be one unit', () => {
    const long = files.filter((f) => {
      const text = readFileSync(f, 'utf8');
      if (text.split('\n').length <= 250) return false;
      const top = text.slice(0, text.search(/^(import|export|const|function|class)\b/m));
      return !/one unit/i.test(top);
    });
    assert.deepEqual(long.map((f) => srcRelative(srcDir, f)), []);
  });
});
