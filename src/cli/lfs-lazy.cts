#!/usr/bin/env node
// The installed CLI (what `lfs-lazy install` configures, and the package's bin). It runs the bundle
// of every command (lfs-lazy.bundle.cjs, made by scripts/bundle.mjs) from V8's code cache of it
// (code-cache.cts). The bundle sees this file as its own (__filename): its paths
// (src/install/paths.ts) and its entry-point check (main.ts) are this file's, and it requires what
// it does not hold (the AWS SDK's bundle, pino) through this file's require.
import path = require('node:path');
import codeCache = require('./code-cache.cjs');

// The commands run often enough to have a code cache of their own, made by the build
// (scripts/warm-cli-cache.mjs); any other takes the cache every command shares.
const OWN_CACHE = new Set(['status', 'path', 'cat', 'hydrate', 'dehydrate', 'fingerprint', 'filter-process']);
const command = process.argv[2] ?? '';

codeCache.runBundle(path.join(__dirname, 'lfs-lazy.bundle.cjs'), { module, require, filename: __filename, dirname: __dirname }, OWN_CACHE.has(command) ? command : undefined);
