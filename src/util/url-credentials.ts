// Whether a URL carries a user name or password (scheme://user:password@host), also when the
// password holds characters a URL cannot (a raw AWS secret has "/" and "+", which end the
// authority early): what follows "://" up to the first "/" must look like host[:port]. Such a URL
// is refused, and never echoed, by whoever reads it.
export function urlCarriesCredentials(url: string): boolean {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/.exec(url);
  if (!match) return false;
  const [, scheme = '', authority = '', path = ''] = match;
  if (authority.includes('@')) return true;
  // "https://user:pass/with/slashes@host": the @ comes later. (An S3 prefix or a file path may
  // hold an @ of its own; a password there is caught by the colon below.)
  if (/^https?$/i.test(scheme) && path.includes('@')) return true;
  // host, host:port, [v6]:port; anything else after a colon is a password cut short.
  return !/^(\[[^\]]*\]|[^:[\]]*)(:\d*)?$/.test(authority);
}
