// The second half of `npm run build`: every command bundled into one CommonJS file,
// dist/src/cli/lfs-lazy.bundle.cjs, which dist/src/cli/lfs-lazy.cjs (src/cli/lfs-lazy.cts: what
// `lfs-lazy install` configures, and the package's bin) runs from V8's code cache, made here too;
// and the AWS SDK into dist/src/cli/aws-sdk.bundle.cjs, which the first one loads on a first fetch.
// Measured on the fixed cost of every command (`npm run bench`, group fixed): resolving and loading
// the ~50 ES modules a command needs through node's ES-module loader cost more than node's own
// start. Bundled from tsc's output (dist/src), which the library, the agent's entry point and the
// tests keep using as it is. pino is loaded by require on the first log line (src/log/pino-sink.ts), never bundled.
// A plain .mjs, like run-tests.mjs.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
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
// From the runner of the bundles (tsc's output of src/cli/code-cache.cts, built before this): what
// node's module loader wraps a CommonJS file in, the only form it runs; and the everyday commands
// that run a bundle of their own, and its name.
const { CJS_WRAPPER, OWN_BUNDLE, commandBundle } = require('../dist/src/cli/code-cache.cjs');
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

// The AWS SDK, bundled apart (aws-sdk.bundle.cjs) and loaded on the first fetch through the same
// code cache as the CLI (src/cli/code-cache.cts): from node_modules, its require and first request
// took ≈ 135 ms of every command that fetches, ≈ 70 ms from the bundle and its cache (measured
// here). The CLI's bundle imports a stand-in for each SDK package, which loads the SDK's bundle
// once, when first required.
const SDK_PACKAGES = { '@aws-sdk/client-s3': 'clientS3', '@aws-sdk/lib-storage': 'libStorage', '@smithy/core/endpoints': 'smithyEndpoints' };
const sdkBundle = 'dist/src/cli/aws-sdk.bundle.cjs';
const sdkFromBundle = {
  name: 'sdk-from-bundle',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/|^@smithy\// }, (args) => {
      if (!(args.path in SDK_PACKAGES)) throw new Error(`${args.path}: not in aws-sdk.bundle.cjs (scripts/bundle.mjs SDK_PACKAGES)`);
      return { path: args.path, namespace: 'sdk-from-bundle' };
    });
    build.onResolve({ filter: /^sdk-bundle-loader$/ }, () => ({ path: 'loader', namespace: 'sdk-from-bundle' }));
    build.onResolve({ filter: /^\.\/code-cache\.cjs$/ }, () => ({ path: './code-cache.cjs', external: true }));
    build.onLoad({ filter: /.*/, namespace: 'sdk-from-bundle' }, (args) => ({
      contents:
        args.path === 'loader'
          ? [
              'let loaded;',
              'module.exports = () => {',
              '  if (loaded === undefined) {',
              "    const file = require('node:path').join(__dirname, 'aws-sdk.bundle.cjs');",
              '    const sdk = { exports: {} };',
              "    require('./code-cache.cjs').runBundle(file, { module: sdk, require, filename: file, dirname: __dirname });",
              '    loaded = sdk.exports;',
              '  }',
              '  return loaded;',
              '};',
            ].join('\n')
          : `module.exports = require('sdk-bundle-loader')()[${JSON.stringify(SDK_PACKAGES[args.path])}];`,
      loader: 'js',
    }));
  },
};

const cliOptions = {
  entryPoints: ['dist/src/cli/main.js'],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // import.meta does not exist in CommonJS: the file that runs the bundle stands in for it
  // (lfs-lazy.cjs, in the same directory), which keeps every path made from it right. Its URL is
  // made when first asked for: node's URL parser costs ≈ 0.5 ms on its first use.
  define: { 'import.meta.url': '__bundle.url', 'import.meta.filename': '__filename' },
  banner: { js: "const __bundle = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
  logLevel: 'warning',
};
const { metafile } = await build({
  ...cliOptions,
  outfile: bundle,
  plugins: [bundleRequire, lazyBuiltins, sdkFromBundle],
  // Which files of tsc's output it holds: the SDK's bundle is made for their imports.
  metafile: true,
});

// The bundle of one everyday command: main.js with a command table of that command alone in place
// of run.js's, so that it holds nothing else.
const commandBundles = OWN_BUNDLE.map((command) => join(dirname(bundle), commandBundle(command)));
for (const [i, command] of OWN_BUNDLE.entries()) {
  const oneCommand = {
    name: 'one-command',
    setup(build) {
      build.onResolve({ filter: /^\.\/run\.js$/ }, (args) => (args.importer.endsWith(join('dist', 'src', 'cli', 'main.js')) ? { path: 'run.js', namespace: 'one-command' } : undefined));
      build.onLoad({ filter: /.*/, namespace: 'one-command' }, () => ({
        contents: [
          "import { dispatcher } from './dispatch.js';",
          `export const main = dispatcher({ ${JSON.stringify(command)}: () => import(${JSON.stringify(`./commands/${command}.js`)}) });`,
        ].join('\n'),
        resolveDir: resolve('dist/src/cli'),
        loader: 'js',
      }));
    },
  };
  await build({ ...cliOptions, outfile: commandBundles[i], plugins: [oneCommand, bundleRequire, lazyBuiltins, sdkFromBundle] });
}

// The SDK names the CLI's own code imports, per package, read from the files of tsc's output that
// its bundle holds (where type-only imports are gone): the SDK's bundle holds just what they need. Its ES-module builds (the
// packages' "module" entries) let esbuild leave out every command lfs-lazy never sends: 1.1 MB
// rather than 1.45, its require ≈ 25 ms rather than ≈ 48 (measured here, both from a code cache).
function sdkImports(files) {
  const imports = new Map(Object.keys(SDK_PACKAGES).map((pkg) => [pkg, new Set()]));
  for (const file of files) {
    const code = readFileSync(file, 'utf8');
    const named = [...code.matchAll(/^import \{([^}]*)\} from '(@(?:aws-sdk|smithy)\/[^']+)';$/gm)];
    // Any other way in (import *, a default import, require) would reach names not in the bundle.
    if ((code.match(/['"]@(?:aws-sdk|smithy)\//g) ?? []).length !== named.length) throw new Error(`${file}: the AWS SDK is imported other than by name`);
    for (const [, list, pkg] of named) {
      if (!imports.has(pkg)) throw new Error(`${file}: ${pkg} is not in aws-sdk.bundle.cjs (scripts/bundle.mjs SDK_PACKAGES)`);
      for (const name of list.split(',').map((n) => n.trim()).filter(Boolean)) imports.get(pkg).add(name.split(/\s+as\s+/)[0]);
    }
  }
  return imports;
}

const sdkEntry = [...sdkImports(Object.keys(metafile.inputs).filter((file) => file.startsWith('dist/src/')))].flatMap(([pkg, names]) => {
  const list = [...names].sort().join(', ');
  return [`import { ${list} } from ${JSON.stringify(pkg)};`, `export const ${SDK_PACKAGES[pkg]} = { ${list} };`];
});
await build({
  stdin: { contents: sdkEntry.join('\n'), resolveDir: '.', loader: 'js' },
  outfile: sdkBundle,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  // A bundle run through vm.Script has no loader for import(): the SDK's import('node:http') of the
  // EC2 instance-metadata credentials (and import('node:async_hooks')) become require().
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
});

// Comment lines kept by esbuild, with their dashes and accents spelled in ASCII.
function asciiComments(code) {
  return code.replace(/^[ \t]*\/\/.*$/gm, (line) => line.replace(/[\u2012-\u2015]/g, '-').normalize('NFKD').replace(/[^\x00-\x7f]/g, ''));
}

// A bundle runs as the body of a function with CommonJS's arguments, where a #! line is a syntax
// error (kept as an empty line: the line numbers of stack traces stay the bundle's). The file holds
// that function whole (CJS_WRAPPER, on the bundle's first line): V8 compiles the string read from
// the file as it is, where wrapping it at each start made a second, flattened copy of half a
// megabyte, which filled the young generation enough for one more scavenge in every command
// (node --trace-gc). Its last line names its content: its code
// cache is named after it (src/cli/code-cache.cts), because V8 checks a cache only against the
// length of its source. The caches of earlier bundles go.
// A bundle is ASCII only: V8 then holds its source one byte a character, not two, and reads and
// scans half as much for each function it compiles (≈ 1 ms of every command's start here).
// esbuild escapes strings itself (charset ascii); what it keeps of our comments is made ASCII here,
// and anything else that is not fails the build.
for (const file of [bundle, ...commandBundles, sdkBundle]) {
  const code = asciiComments(readFileSync(file, 'utf8').replace(/^#!.*/, ''));
  if (/\bimport\(/.test(code)) throw new Error(`${file}: an import() is left, which vm.Script cannot run (see supported, above)`);
  const nonAscii = /[^\x00-\x7f]/.exec(code);
  if (nonAscii) throw new Error(`${file}: a character that is not ASCII (${JSON.stringify(nonAscii[0])}) outside a comment line: ${JSON.stringify(code.slice(Math.max(0, nonAscii.index - 60), nonAscii.index + 20))}`);
  const wrapped = `${CJS_WRAPPER}${code}\n});`;
  writeFileSync(file, `${wrapped}\n// bundle sha256 ${createHash('sha256').update(wrapped).digest('hex')}\n`);
  for (const name of readdirSync(dirname(file))) {
    if (name.startsWith(`${basename(file)}.`) && name.endsWith('.v8-cache')) rmSync(join(dirname(file), name), { force: true });
  }
}

// Runs that write the new caches: one that loads every command's code, then the everyday commands
// in a scratch repository, each adding the functions it compiles; and one that makes the requests a
// fetch and a push make, against a stand-in S3 endpoint on loopback, so that the SDK's cache holds
// the functions a first request compiles.
execFileSync(process.execPath, ['dist/src/cli/lfs-lazy.cjs', '--help'], { stdio: 'ignore' });
execFileSync(process.execPath, ['scripts/warm-cli-cache.mjs'], { stdio: 'inherit' });
execFileSync(process.execPath, ['scripts/warm-sdk-cache.mjs', sdkBundle], { stdio: 'inherit' });
