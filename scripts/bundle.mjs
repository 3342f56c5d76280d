// The second half of `npm run build`: the CLI as one CommonJS file, dist/src/cli/lfs-lazy.cjs (what
// `lfs-lazy install` configures and the package's bin). Measured on the fixed cost of every command
// (`npm run bench`, group fixed): resolving and loading the ~50 ES modules a command needs, through
// node's ES-module loader, cost more than node's own start. Bundled from tsc's output (dist/src),
// which the library, the agent's entry point and the tests keep using as it is. The AWS SDK stays in
// node_modules, loaded on the first fetch as before; pino is loaded by require on the first log
// line (src/log/pino-sink.ts), so it is never bundled either. A plain .mjs, like run-tests.mjs.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/src/cli/lfs-lazy.cjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  external: ['@aws-sdk/*'],
  // import.meta does not exist in CommonJS: the bundle's own URL stands in for it, which keeps every
  // path made from it right (src/install/paths.ts: the bundle lives in dist/src/cli/ too).
  define: { 'import.meta.url': '__bundle_url' },
  banner: { js: "const __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
