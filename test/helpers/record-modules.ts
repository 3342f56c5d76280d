// A --require preload that writes, at exit, to the file named by $RECORD_MODULES (with `.<pid>`
// added when $RECORD_MODULES_PER_PID is set, for processes git starts): every file node loaded
// through require, then every file compiled with vm.Script — the bundles the CLI runs from V8's
// code cache (src/cli/code-cache.cts), which node's module cache never sees.
export const RECORD_MODULES_PRELOAD = `
const vm = require('node:vm');
const compiled = [];
const Script = vm.Script;
vm.Script = class extends Script {
  constructor(code, options) {
    super(code, options);
    compiled.push(typeof options === 'string' ? options : options?.filename);
  }
};
const record = process.env.RECORD_MODULES + (process.env.RECORD_MODULES_PER_PID ? '.' + process.pid : '');
process.on('exit', () => require('node:fs').writeFileSync(record, [...Object.keys(require.cache), ...compiled].join('\\n')));
`;
