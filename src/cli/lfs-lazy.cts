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
const cacheFile = `${bundle}.v8-cache`;

function readCache(): Buffer | undefined {
  try {
    return fs.readFileSync(cacheFile);
  } catch {
    return undefined;
  }
}

// At exit: the functions this run compiled are in it too. Written aside and renamed into place, so
// that a process reading it meanwhile sees a whole cache or none.
function writeCache(script: vm.Script): void {
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
const script = new vm.Script(wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, ...(cachedData && { cachedData }) });
if (cachedData === undefined || script.cachedDataRejected === true) process.once('exit', () => writeCache(script));
const run = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: NodeJS.Module, filename: string, dirname: string) => void;
// This file's require: the bundle is in the same directory, so it resolves as the bundle would.
run(module.exports, require, module, __filename, __dirname);
