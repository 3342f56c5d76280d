// What a request to `lfs-lazy serve` asks for, decided from its request-target alone (pure, no
// I/O): `/<path>` (the checked-out revision) or `/@<rev>/<path>` (any commit-ish), and the token of
// `?token=`. Everything that could name something outside the repository's tree is refused here,
// before any file or git is touched: `..`, `.`, empty segments, any `.git` segment, `%2F` inside a
// segment, NUL, a rev that git could read as an option.
import { bytesToPath } from '../util/path-bytes.js';

export interface Target {
  // A commit-ish as the client spelled it (decoded), or undefined for the checked-out revision.
  rev: string | undefined;
  // Relative to the repository root, `/`-separated, as lfs-lazy holds names (util/path-bytes.ts:
  // a byte sequence that is not UTF-8 arrives percent-encoded and becomes escaped code units).
  path: string;
}

export type ParsedTarget =
  | { kind: 'file'; target: Target; token: string | undefined }
  // `/` itself (the base URL the server prints).
  | { kind: 'root'; token: string | undefined }
  | { kind: 'refused'; status: 400 | 404; message: string; token: string | undefined };

// Longer than any sensible commit-ish; keeps silly input away from git.
export const MAX_REV_LENGTH = 256;

export function parseTarget(requestTarget: string): ParsedTarget {
  const question = requestTarget.indexOf('?');
  const rawPath = question < 0 ? requestTarget : requestTarget.slice(0, question);
  const token = question < 0 ? undefined : tokenOf(requestTarget.slice(question + 1));
  const refuse = (status: 400 | 404, message: string): ParsedTarget => ({ kind: 'refused', status, message, token });

  // Only origin-form (`/path`): no absolute-form, no `*`, no fragment.
  if (!rawPath.startsWith('/') || rawPath.includes('#')) return refuse(400, 'the request target must be /<path> or /@<rev>/<path>');
  if (rawPath === '/') return { kind: 'root', token };
  // Split before decoding: a `/` that arrives as %2F is part of a name, never a separator.
  const segments = rawPath.slice(1).split('/');
  let rev: string | undefined;
  if (segments[0]!.startsWith('@')) {
    const decoded = percentDecode(segments.shift()!.slice(1));
    if (decoded === undefined) return refuse(400, 'the revision is not correctly percent-encoded');
    const problem = revProblem(decoded);
    if (problem) return refuse(400, problem);
    rev = decoded;
    if (segments.length === 0 || (segments.length === 1 && segments[0] === '')) return refuse(404, 'no path given after the revision');
  }
  const names: string[] = [];
  for (const segment of segments) {
    const name = percentDecode(segment);
    if (name === undefined) return refuse(400, 'the path is not correctly percent-encoded');
    const problem = segmentProblem(name);
    if (problem) return refuse(problem.status, problem.message);
    names.push(name);
  }
  return { kind: 'file', target: { rev, path: names.join('/') }, token };
}

function segmentProblem(name: string): { status: 400 | 404; message: string } | undefined {
  if (name === '') return { status: 404, message: 'empty path segment (a directory is not a file)' };
  if (name === '.' || name === '..') return { status: 400, message: 'the path may not contain "." or ".." segments' };
  // git's own files are not repository content, whatever the case (git itself refuses `.GIT`
  // in trees on the file systems that fold case).
  if (name.toLowerCase() === '.git') return { status: 404, message: 'the path may not name .git' };
  if (name.includes('/')) return { status: 400, message: 'a path segment may not contain an encoded "/" (%2F)' };
  if (name.includes('\0')) return { status: 400, message: 'the path may not contain NUL' };
  return undefined;
}

// Why `rev` cannot be handed to git, if it cannot. It always goes after --end-of-options as well;
// a leading `-` is refused anyway, so that no git version or code path can read it as an option.
export function revProblem(rev: string): string | undefined {
  if (rev === '') return 'empty revision after "@"';
  if (rev.startsWith('-')) return 'a revision may not start with "-"';
  if (rev.length > MAX_REV_LENGTH) return `a revision may not be longer than ${MAX_REV_LENGTH} characters`;
  // Control characters (NUL, newline…) have no place in a commit-ish and would break git's input.
  if (/[\u0000-\u001f\u007f]/.test(rev)) return 'a revision may not contain control characters';
  return undefined;
}

// RFC 3986 percent-decoding, done once: `%XX` becomes that byte, everything else stays as it is
// (`+` is a plus). The bytes become a name as git's would (invalid UTF-8 kept as escapes).
// Undefined for a malformed escape (`%`, `%4`, `%zz`).
export function percentDecode(text: string): string | undefined {
  if (!text.includes('%')) return text;
  const bytes: number[] = [];
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte !== 0x25) {
      bytes.push(byte);
      continue;
    }
    const hex = raw.toString('latin1', i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    bytes.push(parseInt(hex, 16));
    i += 2;
  }
  return bytesToPath(Buffer.from(bytes));
}

// The `token` query parameter (the only one read). Given more than once, it is '' (which matches
// no token): a request carrying two tokens is refused rather than judged by one of them.
function tokenOf(query: string): string | undefined {
  const values = query
    .split('&')
    .filter((pair) => pair.startsWith('token='))
    .map((pair) => percentDecode(pair.slice('token='.length)) ?? '');
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : '';
}
