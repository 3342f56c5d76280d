// What `lfs-lazy install` writes into git config, computed without touching anything so that
// install, uninstall and doctor agree on it.

export const AGENT_NAME = 'lfs-lazy';

export type Scope = 'global' | 'local';

export interface ConfigEntry {
  key: string;
  value: string;
  // Uninstall leaves the key while any of these is still set in the same scope: git-lfs writes
  // the very same filter.lfs.required=true, and it stays needed while a filter command remains.
  keepWhile?: string[];
  // Values an earlier lfs-lazy at the same path wrote for this key: install replaces them without
  // keeping them aside (they are not the user's), and uninstall removes them like `value`.
  formerValues?: string[];
}

// Where this installation's entry points are, as git config must name them.
export interface InstalledPaths {
  node: string;
  // dist/src/cli/lfs-lazy.cjs: every command, bundled into one file (scripts/bundle.mjs).
  cli: string;
  // dist/src/cli/main.js: what earlier installs configured for every command (it still works);
  // re-install replaces it as lfs-lazy's own value, uninstall removes it.
  formerCli: string;
  // dist/src/cli/agent-main.cjs: the transfer agent alone, started faster (see that file).
  agent: string;
}

// git-lfs runs the agent as `sh -c '<path> <args>'` and appends args unquoted, and git runs filter
// commands through the shell too, so every path must be quoted for sh (paths with spaces or
// quotes are common on laptops).
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function agentEntries(paths: InstalledPaths): ConfigEntry[] {
  const prefix = `lfs.customtransfer.${AGENT_NAME}`;
  return [
    { key: `${prefix}.path`, value: paths.node },
    // Before the CommonJS agent entry point, install wrote `<cli> agent`, which still works.
    { key: `${prefix}.args`, value: shellQuote(paths.agent), formerValues: [`${shellQuote(paths.formerCli)} agent`, `${shellQuote(paths.cli)} agent`] },
    { key: `${prefix}.concurrent`, value: 'true' },
    { key: `${prefix}.direction`, value: 'both' },
    { key: 'lfs.standalonetransferagent', value: AGENT_NAME },
  ];
}

// lfs-lazy's filter takes the place of git-lfs's for the standard `lfs` driver, so
// .gitattributes stays `filter=lfs` and the repository stays readable by plain git-lfs users.
export function filterEntries(nodePath: string, cliPath: string, formerCliPath?: string): ConfigEntry[] {
  const command = `${shellQuote(nodePath)} ${shellQuote(cliPath)}`;
  const former = (args: string): { formerValues?: string[] } => (formerCliPath === undefined ? {} : { formerValues: [`${shellQuote(nodePath)} ${shellQuote(formerCliPath)} ${args}`] });
  return [
    { key: 'filter.lfs.process', value: `${command} filter-process`, ...former('filter-process') },
    { key: 'filter.lfs.clean', value: `${command} clean -- %f`, ...former('clean -- %f') },
    { key: 'filter.lfs.smudge', value: `${command} smudge -- %f`, ...former('smudge -- %f') },
    // Last, so that uninstall has already restored or removed the commands when it gets here.
    { key: 'filter.lfs.required', value: 'true', keepWhile: ['filter.lfs.process', 'filter.lfs.clean', 'filter.lfs.smudge'] },
  ];
}

// The key-level merge driver for JSON label maps. A name of its own (not `lfs`), so that only the
// files .gitattributes marks merge=lfs-json use it and other LFS files keep git's default
// behaviour. git runs it through the shell with %P already quoted.
export const MERGE_DRIVER_NAME = 'lfs-json';

export function mergeEntries(nodePath: string, cliPath: string, formerCliPath?: string): ConfigEntry[] {
  const prefix = `merge.${MERGE_DRIVER_NAME}`;
  const driver = (cli: string): string => `${shellQuote(nodePath)} ${shellQuote(cli)} merge-driver %O %A %B %P`;
  return [
    { key: `${prefix}.name`, value: 'lfs-lazy key-level merge of JSON label maps' },
    { key: `${prefix}.driver`, value: driver(cliPath), ...(formerCliPath === undefined ? {} : { formerValues: [driver(formerCliPath)] }) },
  ];
}

export function installEntries(paths: InstalledPaths): ConfigEntry[] {
  return [...agentEntries(paths), ...filterEntries(paths.node, paths.cli, paths.formerCli), ...mergeEntries(paths.node, paths.cli, paths.formerCli)];
}

// Where install keeps a value it replaced (git-lfs's own filter commands, typically), so that
// uninstall can put it back.
export function savedKey(key: string): string {
  return `lfs-lazy.replaced-${key.replace(/\./g, '-')}`;
}
