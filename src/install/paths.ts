import { fileURLToPath } from 'node:url';

// The absolute path of this installation's CLI entry point (dist/src/cli/main.js), which is what
// git config must point at: `lfs-lazy` on PATH may be another version, or absent in git's env.
export function installedCliPath(): string {
  return fileURLToPath(new URL('../cli/main.js', import.meta.url));
}
