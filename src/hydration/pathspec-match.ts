import { posix } from 'node:path';
import { ErrorCode, LfsLazyError } from '../errors/index.js';

// Matching of repository paths against the patterns of the hydrated set, with the semantics of
// git's default pathspecs (what `git ls-files -- <pattern>` selects), so that `hydrate data/*.json`
// keeps selecting the same files that it hydrated:
//   - a pattern matches the path it names literally and everything below it;
//   - a wildcard pattern must match the whole path: `*` matches any run of characters, `/`
//     included (so `**` works too), `?` one character, `[abc]` / `[a-z]` / `[!a]` one character of
//     a class, `\x` a literal x. As a wildcard it does not match the files below a directory it
//     matches (`git ls-files 'dat?'` lists nothing under data/).
// Paths and patterns are relative to the repository root, with `/` separators.

const WILDCARD = /[*?[\\]/;

export function hasWildcard(pattern: string): boolean {
  return WILDCARD.test(pattern);
}

export function pathspecMatches(pattern: string, path: string): boolean {
  const clean = pattern.replace(/^(?:\.\/+)+/, '');
  // git compares every pattern literally first, so `weird[1].json` names that very file too.
  const literal = clean.replace(/\/+$/, '');
  if (literal === '' || literal === '.') return true;
  if (path === literal || path.startsWith(`${literal}/`)) return true;
  return hasWildcard(clean) && wildcardRegExp(clean).test(path);
}

// A pathspec given relative to the current directory (`prefix` is `git rev-parse --show-prefix`)
// as the root-relative pattern the hydrated set stores: `cd data && hydrate '*.json'` is
// `data/*.json`, which selects exactly what git selected from there.
export function toRootPathspec(prefix: string, pathspec: string): string {
  if (pathspec.startsWith(':')) {
    throw badPathspec(`pathspec magic is not supported: ${JSON.stringify(pathspec)}; give paths relative to the current directory`);
  }
  if (pathspec.startsWith('/')) throw badPathspec(`give paths relative to the current directory, not ${JSON.stringify(pathspec)}`);
  const joined = posix.normalize(`${prefix}${pathspec === '' ? '.' : pathspec}`);
  if (joined === '..' || joined.startsWith('../')) throw badPathspec(`${JSON.stringify(pathspec)} is outside the repository`);
  return joined === './' ? '.' : joined;
}

function badPathspec(message: string): LfsLazyError {
  return new LfsLazyError(message, { code: ErrorCode.BadRequest });
}

const cache = new Map<string, RegExp>();

function wildcardRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (re) return re;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      source += '.*';
    } else if (c === '?') {
      source += '.';
    } else if (c === '\\' && i + 1 < pattern.length) {
      source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        source += '\\[';
        continue;
      }
      const body = pattern.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      source += `[${negated ? '^' : ''}${(negated ? body.slice(1) : body).replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else {
      source += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
    }
  }
  re = new RegExp(`^${source}$`, 's');
  cache.set(pattern, re);
  return re;
}

// The hydrated set is an ordered list of patterns where `!pattern` takes a path back out; as in
// .gitignore and sparse-checkout, the last pattern that matches decides.
export function isSelected(patterns: readonly string[], path: string): boolean {
  return selection(patterns, path) === 'selected';
}

// What the last matching pattern says of a path: selected, explicitly excluded (`!pattern`), or
// nothing (no pattern matches). A checkout treats the last two differently: an excluded path
// stays a pointer even when its object is local.
export type Selection = 'selected' | 'excluded' | 'unset';

export function selection(patterns: readonly string[], path: string): Selection {
  let result: Selection = 'unset';
  for (const line of patterns) {
    const negated = line.startsWith('!');
    if (pathspecMatches(negated ? line.slice(1) : line, path)) result = negated ? 'excluded' : 'selected';
  }
  return result;
}
