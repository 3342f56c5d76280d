#!/usr/bin/env node
// The installed CLI (what `lfs-lazy install` configures, and the package's bin). It runs the bundle
// of every command (lfs-lazy.bundle.cjs, made by scripts/bundle.mjs) from V8's code cache of it:
// compiling the bundle's half a megabyte of source took 15–30 ms of every command's start-up here,
// reading the cache under 1 ms. A cache V8 refuses (another node, other flags) or one that is
// missing is written anew at exit, if the directory is writable; without one it runs all the same.
// The bundle sees this file as its own (__filename): its paths (src/install/paths.ts) and its
// entry-point check (main.ts) are this file's.
import fs = require('node:fs');
import path = require('node:path');
import vm = require('node:vm');

const bundle = path.join(__dirname, 'lfs-lazy.bundle.cjs');
const source = fs.readFileSync(bundle, 'utf8');
// V8 checks a cache only against the length of the source it was made from, so a cache must never
// meet another bundle: it is named after the SHA-256 the build wrote at the bundle's end. A bundle
// without one (edited by hand) runs without a cache.
const bundleId = /\n\/\/ bundle sha256 ([0-9a-f]{64})\n$/.exec(source.slice(-100))?.[1];
const cacheFile = bundleId === undefined ? undefined : `${bundle}.${bundleId.slice(0, 16)}.v8-cache`;

function readCache(): Buffer | undefined {
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

// What node's module loader makes of a CommonJS file (node:module's wrap, without loading node:module).
const wrap = (source: string): string => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

const cachedData = readCache();
const script = new vm.Script(wrap(source), { filename: bundle, ...(cachedData && { cachedData }) });
if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) process.once('exit', () => writeCache(script, cacheFile));
const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: NodeJS.Module, filename: string, dirname: string) => void;
// This file's require: the bundle is in the same directory, so it resolves as the bundle would.
run(module.exports, require, module, __filename, __dirname);
