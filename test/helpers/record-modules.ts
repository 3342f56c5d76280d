// A --require preload that writes, at exit, to the file named by $RECORD_MODULES: every file node
// loaded through require, then every file compiled with vm.Script — the bundles the CLI runs from
// V8's code cache (src/cli/code-cache.cts), which node's module cache never sees.
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
process.on('exit', () => require('node:fs').writeFileSync(process.env.RECORD_MODULES, [...Object.keys(require.cache), ...compiled].join('\\n')));
`;
