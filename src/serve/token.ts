// The secret every request to `lfs-lazy serve` must carry, so that other users of the machine —
// who can reach 127.0.0.1 too — cannot read the data: 32 random bytes, base64url (URL-safe as it
// is, for `?token=`), compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

// The token a request carries: `Authorization: Bearer <token>`, else `?token=` (query).
// A request with both must carry the same token in both (a mismatch is refused).
export function presentedToken(authorization: string | undefined, query: string | undefined): string | undefined {
  const bearer = authorization === undefined ? undefined : (/^\s*Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? '');
  if (bearer !== undefined && query !== undefined && bearer !== query) return '';
  return bearer ?? query;
}

// Constant-time whatever the input: both sides are hashed first, so neither the length nor any
// prefix of the token leaks through the time a refusal takes. The server's own token is hashed
// once, not at every request.
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  if (expectedDigest?.token !== expected) expectedDigest = { token: expected, digest: digest(expected) };
  return timingSafeEqual(expectedDigest.digest, digest(presented));
}

let expectedDigest: { token: string; digest: Buffer } | undefined;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
