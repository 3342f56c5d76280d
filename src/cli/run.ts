import { dispatcher, type CommandTable } from './dispatch.js';

// Every command (dispatch.ts runs them). Command modules load on demand so that `agent` and `filter-process` start without paying for
// the others (git-lfs waits for each agent's init reply before starting the next one).
const commands: CommandTable = {
  agent: () => import('./commands/agent.js'),
  install: () => import('./commands/install.js'),
  uninstall: () => import('./commands/uninstall.js'),
  'filter-process': () => import('./commands/filter-process.js'),
  clean: () => import('./commands/clean.js'),
  smudge: () => import('./commands/smudge.js'),
  hydrate: () => import('./commands/hydrate.js'),
  dehydrate: () => import('./commands/dehydrate.js'),
  status: () => import('./commands/status.js'),
  cat: () => import('./commands/cat.js'),
  path: () => import('./commands/path.js'),
  'prune-cache': () => import('./commands/prune-cache.js'),
  'pre-push': () => import('./commands/pre-push.js'),
  serve: () => import('./commands/serve.js'),
  doctor: () => import('./commands/doctor.js'),
  'merge-driver': () => import('./commands/merge-driver.js'),
  diff: () => import('./commands/diff.js'),
  fingerprint: () => import('./commands/fingerprint.js'),
  manifest: () => import('./commands/manifest.js'),
  'verify-manifest': () => import('./commands/verify-manifest.js'),
};

export const main = dispatcher(commands);
