// The layer rules of docs/architecture.md as data, and the check of a source tree against them:
// which folders of src/ each folder may import, and which packages only one folder may use.
import { posix, relative, sep } from 'node:path';

export interface SourceFile {
  // Relative to src/, `/`-separated: "store/s3-store.ts".
  path: string;
  text: string;
}

export interface Violation {
  file: string;
  imports: string;
  rule: string;
}

// Besides itself. `cli` is the composition root: it may import everything.
export const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  util: ['errors'],
  log: ['errors', 'util'],
  protocol: ['errors', 'util'],
  transport: ['protocol', 'errors', 'log', 'util'],
  git: ['errors', 'util'],
  config: ['git', 'errors', 'log', 'util'],
  http: [],
  store: ['config', 'http', 'errors', 'log', 'util'],
  local: ['store', 'errors', 'log', 'util'],
  repository: ['git', 'config', 'local', 'store', 'protocol', 'errors', 'log', 'util'],
  transfer: ['protocol', 'transport', 'store', 'local', 'errors', 'log', 'util'],
  hydration: ['repository', 'local', 'store', 'git', 'config', 'protocol', 'errors', 'log', 'util'],
  filter: ['repository', 'hydration', 'local', 'store', 'git', 'protocol', 'transport', 'errors', 'log', 'util'],
  dataset: ['git', 'protocol', 'errors', 'util'],
  labelmap: ['repository', 'local', 'git', 'protocol', 'errors', 'log', 'util'],
  api: ['repository', 'hydration', 'dataset', 'local', 'protocol', 'errors', 'log', 'util'],
  serve: ['api', 'repository', 'errors', 'log', 'util'],
  install: ['git', 'errors', 'util'],
  push: ['repository', 'hydration', 'git', 'protocol', 'errors', 'util'],
  doctor: ['repository', 'store', 'config', 'install', 'git', 'errors', 'log', 'util'],
  cli: ['*'],
};

// Packages only these folders may import (the SDK, and the Smithy pieces it is made of, stay behind the store; the logger behind log/;
// processes start in git/ — util/ only for fallocate(1), util/preallocate.ts).
export const PACKAGE_OWNERS: Readonly<Record<string, readonly string[]>> = {
  '@aws-sdk/': ['store'],
  '@smithy/': ['store'],
  pino: ['log', 'store'],
  'node:child_process': ['git', 'util'],
};

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

export function importsOf(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) => m[1]!);
}

// The top folder of src/ a relative specifier of `file` lands in, or undefined for a package or
// a file at the top of src/ (index.ts).
function targetFolder(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const resolved = posix.normalize(posix.join(posix.dirname(file), specifier));
  if (resolved.startsWith('..')) return '..';
  const slash = resolved.indexOf('/');
  return slash < 0 ? undefined : resolved.slice(0, slash);
}

export function checkImportRules(files: readonly SourceFile[]): Violation[] {
  const violations: Violation[] = [];
  for (const file of files) {
    const folder = file.path.includes('/') ? file.path.slice(0, file.path.indexOf('/')) : undefined;
    if (folder === undefined) continue; // src/index.ts: the package's public surface
    const allowed = MAY_IMPORT[folder];
    if (allowed === undefined) {
      violations.push({ file: file.path, imports: '', rule: `folder ${folder}/ has no row in MAY_IMPORT (docs/architecture.md)` });
      continue;
    }
    for (const specifier of importsOf(file.text)) {
      const target = targetFolder(file.path, specifier);
      if (target !== undefined && target !== folder && !allowed.includes('*') && !allowed.includes(target)) {
        violations.push({ file: file.path, imports: specifier, rule: `${folder}/ may not import ${target}/` });
      }
      for (const [prefix, owners] of Object.entries(PACKAGE_OWNERS)) {
        const isPackage = specifier === prefix || specifier.startsWith(prefix) || specifier.startsWith(`${prefix}/`);
        if (isPackage && !owners.includes(folder) && folder !== 'cli') {
          violations.push({ file: file.path, imports: specifier, rule: `only ${owners.map((o) => `${o}/`).join(', ')} may import ${prefix}` });
        }
      }
    }
  }
  return violations;
}

// "store/s3-store.ts" from an absolute path under srcDir.
export function srcRelative(srcDir: string, absolute: string): string {
  return relative(srcDir, absolute).split(sep).join('/');
}

