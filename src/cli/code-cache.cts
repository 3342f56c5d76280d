// Runs a CommonJS bundle made by scripts/bundle.mjs from V8's code cache of it: the CLI's own
// bundle (lfs-lazy.cts) and the AWS SDK's (aws-sdk.bundle.cjs, loaded on the first fetch).
// Compiling source costs every process again what reading a cache costs once: 15–30 ms for the
// CLI's half a megabyte, ≈ 35 ms for the whole SDK's 1.4 MB plus its functions compiled on the first
// request (measured here). A cache V8 refuses (another node, other flags) or one that is missing is
// written anew at exit, if the directory is writable; without one the bundle runs all the same.
import fs = require('node:fs');
import vm = require('node:vm');

// What a bundle is run with: node's arguments to a CommonJS module's wrapper. The CLI's bundle is
// given lfs-lazy.cjs's own, so its paths (src/install/paths.ts) and entry-point check are that file's.
interface BundleScope {
  module: { exports: unknown };
  require: NodeJS.Require;
  filename: string;
  dirname: string;
}

// V8 checks a cache only against the length of the source it was made from, so a cache must never
// meet another bundle: it is named after the SHA-256 the build wrote at the bundle's end. A bundle
// without one (edited by hand) runs without a cache.
function cacheFileFor(bundle: string, source: string): string | undefined {
  const bundleId = /\n\/\/ bundle sha256 ([0-9a-f]{64})\n$/.exec(source.slice(-100))?.[1];
  return bundleId === undefined ? undefined : `${bundle}.${bundleId.slice(0, 16)}.v8-cache`;
}

function readCache(cacheFile: string | undefined): Buffer | undefined {
  if (cacheFile === undefined) return undefined;
  try {
    return fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

// At exit: the functions this run compiled are in it too. Written aside and renamed into place, so
// that a process reading it meanwhile sees a whole cache or none.
function writeCache(script: vm.Script, cacheFile: string): void {
  const temp = `${cacheFile}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, script.createCachedData());
    fs.renameSync(temp, cacheFile);
  } catch {
    // A read-only installation: it runs without a cache, as it did. Nothing thrown here may reach
    // node's exit, which would print it and change the exit code.
    try {
      fs.rmSync(temp, { force: true });
    } catch {
      // nothing left to do
    }
  }
}

// A bundle is one function expression with the arguments node's module loader gives a CommonJS
// file (scripts/bundle.mjs writes it so); anything else is refused rather than run.
const CJS_WRAPPER = '(function (exports, require, module, __filename, __dirname) { ';

// Set by the build's warm-up (scripts/warm-cli-cache.mjs) for each command it runs: the cache is
// written at exit even though it was taken, so it gains the functions that command compiled.
const EXTEND_CACHE = 'LFS_LAZY_EXTEND_CODE_CACHE';

function runBundle(bundle: string, scope: BundleScope): void {
  const source = fs.readFileSync(bundle, 'utf8');
  const cacheFile = cacheFileFor(bundle, source);
  const cachedData = readCache(cacheFile);
  if (!source.startsWith(CJS_WRAPPER)) throw new Error(`${bundle} is not a bundle made by scripts/bundle.mjs (rebuild: npm run build)`);
  const script = new vm.Script(source, { filename: bundle, ...(cachedData && { cachedData }) });
  const stale = cachedData === undefined || script.cachedDataRejected === true || process.env[EXTEND_CACHE] === '1';
  if (cacheFile !== undefined && stale) process.once('exit', () => writeCache(script, cacheFile));
  const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: unknown, filename: string, dirname: string) => void;
  run(scope.module.exports, scope.require, scope.module, scope.filename, scope.dirname);
}

// The everyday commands each run a bundle of their own, which holds that command and what it
// imports (scripts/bundle.mjs): V8 reads a whole code cache before running anything, and running a
// bundle makes every function declared at its top (those of every module it holds); with one bundle
// for every command, that was ≈ 1 ms more of each run of `path` (measured here, 100 interleaved runs).
// Any other command runs the bundle of all of them.
const OWN_BUNDLE = ['status', 'path', 'cat', 'hydrate', 'dehydrate', 'fingerprint', 'filter-process'];
const commandBundle = (command: string): string => (OWN_BUNDLE.includes(command) ? `lfs-lazy.${command}.bundle.cjs` : 'lfs-lazy.bundle.cjs');

export = { runBundle, commandBundle, OWN_BUNDLE, CJS_WRAPPER };
