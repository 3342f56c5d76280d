#!/usr/bin/env node
// The installed CLI (what `lfs-lazy install` configures, and the package's bin). It runs the bundle
// of its command (lfs-lazy.<command>.bundle.cjs for the everyday ones, lfs-lazy.bundle.cjs for the
// rest: made by scripts/bundle.mjs) from V8's code cache of it (code-cache.cts). The bundle sees
// this file as its own (__filename): its paths (src/install/paths.ts) and its entry-point check
// (main.ts) are this file's, and it requires what it does not hold (the AWS SDK's bundle, pino)
// through this file's require.
import path = require('node:path');
import codeCache = require('./code-cache.cjs');

const command = process.argv[2] ?? '';

codeCache.runBundle(path.join(__dirname, codeCache.commandBundle(command)), { module, require, filename: __filename, dirname: __dirname });
