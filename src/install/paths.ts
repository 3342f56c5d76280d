import { fileURLToPath } from 'node:url';
import type { InstalledPaths } from './install-plan.js';

// The absolute paths of this installation's entry points, which is what git config must point
// at: `lfs-lazy` on PATH may be another version, or absent in git's env.
export function installedPaths(): InstalledPaths {
  return {
    node: process.execPath,
    cli: fileURLToPath(new URL('../cli/lfs-lazy.cjs', import.meta.url)),
    formerCli: fileURLToPath(new URL('../cli/main.js', import.meta.url)),
    agent: fileURLToPath(new URL('../cli/agent-main.cjs', import.meta.url)),
  };
}
