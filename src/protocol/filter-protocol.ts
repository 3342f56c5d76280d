// git's long-running filter protocol (gitattributes(5) "Long Running Filter Process", git 2.39
// convert.c / sub-process.c) on top of pkt-line. Pure codecs: frames in, Buffers out.
//
// The handshake has two round trips and git blocks on the first: it sends welcome + versions, then
// waits for our version reply before it sends its capabilities. Reading both before replying
// deadlocks, hence readWelcome/encodeWelcomeReply, then readCapabilities/encodeCapabilityReply
// (or `handshake`, which does all four in order).
import { ProtocolError } from '../errors/index.js';
import { FLUSH, type PktLineReader, decodeText, encodeContent, encodeText } from './pkt-line.js';

export type FilterCapability = 'clean' | 'smudge' | 'delay';
export type FilterCommand = 'clean' | 'smudge' | 'list_available_blobs';
export type FilterStatus = 'success' | 'error' | 'delayed' | 'abort';

export interface FilterRequest {
  command: FilterCommand;
  // '' for list_available_blobs, which carries no pathname (and no content).
  pathname: string;
  canDelay: boolean;
  ref?: string;
  treeish?: string;
  blob?: string;
  // Keys this codec does not know, kept verbatim (git may add more; the protocol says ignore them).
  extra: Record<string, string>;
}

const COMMANDS: ReadonlySet<string> = new Set<FilterCommand>(['clean', 'smudge', 'list_available_blobs']);
const KNOWN_KEYS = new Set(['command', 'pathname', 'can-delay', 'ref', 'treeish', 'blob']);

// A list of text packets up to its flush. With allowEof, EOF before the first packet gives undefined.
async function readTextList(reader: PktLineReader, what: string, allowEof = false): Promise<string[] | undefined> {
  const lines: string[] = [];
  for (;;) {
    const frame = await reader.read();
    if (frame === undefined) {
      if (allowEof && lines.length === 0) return undefined;
      throw new ProtocolError(`filter protocol: input ended inside the ${what} (no flush)`);
    }
    if (frame.type === 'flush') return lines;
    if (frame.type !== 'data') throw new ProtocolError(`filter protocol: unexpected ${frame.type} packet in the ${what}`);
    lines.push(decodeText(frame.payload));
  }
}

// git> git-filter-client, version=N..., flush. Returns the versions git offered (always includes 2).
export async function readWelcome(reader: PktLineReader): Promise<number[]> {
  const frame = await reader.read();
  const welcome = frame?.type === 'data' ? decodeText(frame.payload) : frame?.type ?? 'end of input';
  if (welcome !== 'git-filter-client') {
    throw new ProtocolError(`filter protocol: expected "git-filter-client", got ${JSON.stringify(welcome)}`);
  }
  const lines = (await readTextList(reader, 'version list')) ?? [];
  const versions = lines.filter((l) => /^version=[0-9]+$/.test(l)).map((l) => Number(l.slice('version='.length)));
  if (!versions.includes(2)) {
    throw new ProtocolError(`filter protocol: git does not offer version=2 (offered: ${JSON.stringify(lines)})`);
  }
  return versions;
}

export function encodeWelcomeReply(): Buffer {
  return Buffer.concat([encodeText('git-filter-server'), encodeText('version=2'), FLUSH]);
}

// git> capability=X..., flush. Returns X for each line.
export async function readCapabilities(reader: PktLineReader): Promise<string[]> {
  const lines = (await readTextList(reader, 'capability list')) ?? [];
  return lines.map((line) => {
    if (!line.startsWith('capability=')) {
      throw new ProtocolError(`filter protocol: expected a capability line, got ${JSON.stringify(line)}`);
    }
    return line.slice('capability='.length);
  });
}

// What we may claim: our capabilities that git offered. Claiming one git did not offer makes it die().
export function negotiateCapabilities(offered: readonly string[], supported: readonly FilterCapability[]): FilterCapability[] {
  return supported.filter((cap, i) => offered.includes(cap) && supported.indexOf(cap) === i);
}

export function encodeCapabilityReply(offered: readonly string[], supported: readonly FilterCapability[]): Buffer {
  const caps = negotiateCapabilities(offered, supported);
  return Buffer.concat([...caps.map((cap) => encodeText(`capability=${cap}`)), FLUSH]);
}

// The whole handshake in git's order; `write` must hand the bytes to git before it resolves or
// returns (git waits for the version reply). Returns the negotiated capabilities.
export async function handshake(
  reader: PktLineReader,
  write: (bytes: Buffer) => void | Promise<void>,
  supported: readonly FilterCapability[],
): Promise<FilterCapability[]> {
  await readWelcome(reader);
  await write(encodeWelcomeReply());
  const offered = await readCapabilities(reader);
  await write(encodeCapabilityReply(offered, supported));
  return negotiateCapabilities(offered, supported);
}

// The next request's header list; undefined when git closed the pipe between requests (shutdown).
// For clean/smudge the content follows: consume it with readContent/discardContent before replying.
export async function readRequestHeaders(reader: PktLineReader): Promise<FilterRequest | undefined> {
  const lines = await readTextList(reader, 'request header list', true);
  if (lines === undefined) return undefined;
  const headers = new Map<string, string>();
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ProtocolError(`filter protocol: malformed request header ${JSON.stringify(line)}`);
    headers.set(line.slice(0, eq), line.slice(eq + 1)); // values may contain '='; a repeated key: last wins
  }
  const command = headers.get('command');
  if (command === undefined || !COMMANDS.has(command)) {
    throw new ProtocolError(`filter protocol: unsupported or missing command ${JSON.stringify(command ?? null)}`);
  }
  const pathname = headers.get('pathname');
  if (pathname === undefined && command !== 'list_available_blobs') {
    throw new ProtocolError(`filter protocol: ${command} request without a pathname`);
  }
  const request: FilterRequest = {
    command: command as FilterCommand,
    pathname: pathname ?? '',
    canDelay: headers.get('can-delay') === '1',
    extra: {},
  };
  for (const key of ['ref', 'treeish', 'blob'] as const) {
    const value = headers.get(key);
    if (value !== undefined) request[key] = value;
  }
  for (const [key, value] of headers) if (!KNOWN_KEYS.has(key)) request.extra[key] = value;
  return request;
}

// Streams a request's content packet by packet up to its flush, never holding the whole file.
// Stopping early leaves the reader mid-content: drain it with discardContent first.
export async function* readContent(reader: PktLineReader): AsyncGenerator<Buffer, void, undefined> {
  for (;;) {
    const frame = await reader.read();
    if (frame === undefined) throw new ProtocolError('filter protocol: input ended inside the content (no flush)');
    if (frame.type === 'flush') return;
    if (frame.type !== 'data') throw new ProtocolError(`filter protocol: unexpected ${frame.type} packet in the content`);
    yield frame.payload;
  }
}

// Reads and drops the rest of the content; returns how many bytes it skipped.
export async function discardContent(reader: PktLineReader): Promise<number> {
  let bytes = 0;
  for await (const chunk of readContent(reader)) bytes += chunk.length;
  return bytes;
}

// status=<s>, flush. Alone it is a complete reply for error/abort/delayed; for success, content
// packets and a trailer follow.
export function encodeStatus(status: FilterStatus): Buffer {
  return Buffer.concat([encodeText(`status=${status}`), FLUSH]);
}

// Ends the content (flush) and sends an empty trailer list (flush): the status stays "success".
export function encodeEmptyTrailer(): Buffer {
  return Buffer.concat([FLUSH, FLUSH]);
}

// Ends the content and overrides the status, for a failure after some content was already sent.
export function encodeFailureTrailer(status: 'error' | 'abort' = 'error'): Buffer {
  return Buffer.concat([FLUSH, encodeStatus(status)]);
}

// A complete success reply for content already in memory (e.g. a pointer). Empty content gives
// status=success 0000 0000 0000. Large content should be streamed: encodeStatus('success'),
// encodeContent(chunk)..., encodeEmptyTrailer().
export function encodeSuccessWithContent(content: Uint8Array | Iterable<Uint8Array>): Buffer[] {
  const chunks = content instanceof Uint8Array ? [content] : content;
  const packets = [encodeStatus('success')];
  for (const chunk of chunks) for (const packet of encodeContent(chunk)) packets.push(packet);
  packets.push(encodeEmptyTrailer());
  return packets;
}

// Reply to list_available_blobs: the paths now ready, flush, status=success, flush. An empty list
// tells git that no delayed blob is left.
export function encodeAvailableBlobs(pathnames: Iterable<string>): Buffer {
  const lines: Buffer[] = [];
  for (const pathname of pathnames) lines.push(encodeText(`pathname=${pathname}`));
  return Buffer.concat([...lines, FLUSH, encodeStatus('success')]);
}
