// The second half of `npm run build`: every command bundled into one CommonJS file,
// dist/src/cli/lfs-lazy.bundle.cjs, which dist/src/cli/lfs-lazy.cjs (src/cli/lfs-lazy.cts: what
// `lfs-lazy install` configures, and the package's bin) runs from V8's code cache, made here too.
// Measured on the fixed cost of every command (`npm run bench`, group fixed): resolving and loading
// the ~50 ES modules a command needs through node's ES-module loader cost more than node's own
// start. Bundled from tsc's output (dist/src), which the library, the agent's entry point and the
// tests keep using as it is. The AWS SDK stays in node_modules, loaded on the first fetch as
// before; pino is loaded by require on the first log line (src/log/pino-sink.ts), never bundled.
// A plain .mjs, like run-tests.mjs.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { build } from 'esbuild';

const bundle = 'dist/src/cli/lfs-lazy.bundle.cjs';

// pino is required on the first line logged (src/log/pino-sink.ts), through node:module's
// createRequire; in the bundle, CommonJS's own require does that, without loading node:module
// (≈ 3 ms) at the start of every command.
const bundleRequire = {
  name: 'bundle-require',
  setup(build) {
    build.onResolve({ filter: /^node:module$/ }, (args) => (/pino-sink\.js$/.test(args.importer) ? { path: 'createRequire', namespace: 'bundle-require' } : undefined));
    build.onLoad({ filter: /.*/, namespace: 'bundle-require' }, () => ({ contents: 'export const createRequire = () => require;', loader: 'js' }));
  },
};

// A built-in module `node -e 0` does not load costs every command that imports it, used or not: in
// one bundle every import runs at start. These are loaded on the first use of one of their exports
// instead (issue 13: node:crypto alone, ≈ 20 internal modules, is needed only to verify a download
// or hash a file): the bundle imports a stand-in whose exports are getters that load the real
// module. Their names are taken from the module in the node that builds.
const LAZY_BUILTINS = ['node:crypto', 'node:fs/promises', 'node:os', 'node:stream/promises', 'node:timers/promises', 'node:stream/consumers', 'node:http', 'node:https', 'node:net'];
const require = createRequire(import.meta.url);
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(build) {
    build.onResolve({ filter: /^node:/ }, (args) => (LAZY_BUILTINS.includes(args.path) && args.namespace !== 'lazy-builtin' ? { path: args.path, namespace: 'lazy-builtin' } : undefined));
    build.onResolve({ filter: /^node:/, namespace: 'lazy-builtin' }, (args) => ({ path: args.path, external: true }));
    build.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      // The getters are on the prototype of the exports: esbuild's view of a CommonJS module as an
      // ES one (__toESM, at each importer's start) copies own properties one by one, and keeps the
      // prototype.
      contents: [
        'let loaded;',
        `const load = () => (loaded ??= require(${JSON.stringify(args.path)}));`,
        'const getters = {};',
        `for (const name of ${JSON.stringify(Object.keys(require(args.path)))}) Object.defineProperty(getters, name, { enumerable: true, get: () => load()[name] });`,
        'module.exports = Object.create(getters);',
      ].join('\n'),
      loader: 'js',
    }));
  },
};

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['@aws-sdk/*'],
  // import.meta does not exist in CommonJS: the URL of the file that runs the bundle stands in for
  // it (lfs-lazy.cjs, in the same directory), which keeps every path made from it right.
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [bundleRequire, lazyBuiltins],
  logLevel: 'warning',
});

// The bundle runs wrapped in a function, where a #! line is a syntax error (kept as an empty line:
// the line numbers of stack traces stay the bundle's). Its last line names its content: the code
// cache is named after it (lfs-lazy.cts), because V8 checks a cache only against the length of its
// source.
const code = readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
writeFileSync(bundle, `${code}\n// bundle sha256 ${createHash('sha256').update(code).digest('hex')}\n`);

// The caches of earlier bundles go; a run that loads every command's code writes the new one.
for (const name of readdirSync(dirname(bundle))) {
  if (name.startsWith(`${basename(bundle)}.`) && name.endsWith('.v8-cache')) rmSync(join(dirname(bundle), name), { force: true });
}
execFileSync(process.execPath, ['dist/src/cli/lfs-lazy.cjs', '--help'], { stdio: 'ignore' });
