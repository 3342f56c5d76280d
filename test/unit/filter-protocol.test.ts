import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProtocolError } from '../../src/errors/index.js';
import {
  type FilterRequest,
  discardContent,
  encodeAvailableBlobs,
  encodeCapabilityReply,
  encodeEmptyTrailer,
  encodeFailureTrailer,
  encodeStatus,
  encodeSuccessWithContent,
  encodeWelcomeReply,
  handshake,
  negotiateCapabilities,
  readCapabilities,
  readContent,
  readRequestHeaders,
  readWelcome,
} from '../../src/protocol/filter-protocol.js';
import { FLUSH, PktLineReader, encodeContent, encodeText } from '../../src/protocol/pkt-line.js';

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');
const text = (...lines: string[]): Buffer => Buffer.concat(lines.map((l) => encodeText(l)));
const list = (...lines: string[]): Buffer => Buffer.concat([text(...lines), FLUSH]);

// Same bytes, one at a time: the codec must not depend on how the pipe delivers them.
async function* trickle(data: Buffer): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < data.length; i += 7) yield data.subarray(i, i + 7);
}

async function collect(reader: PktLineReader): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of readContent(reader)) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('a full fake git session', () => {
  const bigContent = Buffer.from(Array.from({ length: 65516 * 2 + 100 }, (_, i) => (i * 7) % 256));
  const gitSide = Buffer.concat([
    list('git-filter-client', 'version=2'),
    list('capability=clean', 'capability=smudge'), // git without delay
    list('command=clean', 'pathname=data/big.bin'),
    ...encodeContent(bigContent),
    FLUSH,
    list('command=smudge', 'pathname=a b/c=d e.bin', 'ref=refs/heads/main', 'treeish=0123abcd', 'blob=89ef', 'can-delay=1', 'future-key=x=y'),
    ...encodeContent(latin1('version https://git-lfs.github.com/spec/v1\n')),
    FLUSH,
    list('command=list_available_blobs'),
    list('command=smudge', 'pathname=empty.bin'),
    FLUSH, // empty content
  ]);

  it('handshakes, reads each request and its content, then ends cleanly', async () => {
    const reader = new PktLineReader(trickle(gitSide));
    const written: Buffer[] = [];
    const caps = await handshake(reader, (b) => void written.push(b), ['clean', 'smudge', 'delay']);
    assert.deepEqual(caps, ['clean', 'smudge']);
    assert.deepEqual(written, [
      latin1('0016git-filter-server\n000eversion=2\n0000'),
      latin1('0015capability=clean\n0016capability=smudge\n0000'), // no delay: git did not offer it
    ]);

    const clean = await readRequestHeaders(reader);
    assert.deepEqual(clean, { command: 'clean', pathname: 'data/big.bin', canDelay: false, extra: {} } satisfies FilterRequest);
    assert.deepEqual(await collect(reader), bigContent);

    const smudge = await readRequestHeaders(reader);
    assert.deepEqual(smudge, {
      command: 'smudge',
      pathname: 'a b/c=d e.bin',
      canDelay: true,
      ref: 'refs/heads/main',
      treeish: '0123abcd',
      blob: '89ef',
      extra: { 'future-key': 'x=y' },
    } satisfies FilterRequest);
    assert.equal(await discardContent(reader), 43);

    const list = await readRequestHeaders(reader);
    assert.deepEqual(list, { command: 'list_available_blobs', pathname: '', canDelay: false, extra: {} } satisfies FilterRequest);
    // list_available_blobs carries no content: the next thing on the wire is the next request.

    const empty = await readRequestHeaders(reader);
    assert.equal(empty?.pathname, 'empty.bin');
    assert.equal((await collect(reader)).length, 0);

    assert.equal(await readRequestHeaders(reader), undefined);
  });
});

describe('handshake pieces', () => {
  it('negotiates delay when git offers it, in our order, without duplicates', () => {
    assert.deepEqual(negotiateCapabilities(['delay', 'smudge', 'clean', 'future'], ['clean', 'smudge', 'delay', 'clean']), [
      'clean',
      'smudge',
      'delay',
    ]);
    assert.deepEqual(
      encodeCapabilityReply(['clean', 'smudge', 'delay'], ['smudge', 'delay']),
      latin1('0016capability=smudge\n0015capability=delay\n0000'),
    );
  });

  it('never claims a capability git did not offer', () => {
    assert.deepEqual(encodeCapabilityReply(['clean'], ['clean', 'smudge', 'delay']), latin1('0015capability=clean\n0000'));
    assert.deepEqual(encodeCapabilityReply([], ['clean']), FLUSH);
  });

  it('accepts several offered versions', async () => {
    const reader = new PktLineReader([list('git-filter-client', 'version=3', 'version=2')]);
    assert.deepEqual(await readWelcome(reader), [3, 2]);
    assert.deepEqual(encodeWelcomeReply(), latin1('0016git-filter-server\n000eversion=2\n0000'));
  });

  it('accepts lines without their LF', async () => {
    const reader = new PktLineReader([Buffer.concat([latin1('0015git-filter-client000dversion=2'), FLUSH])]);
    assert.deepEqual(await readWelcome(reader), [2]);
  });

  const badWelcome: [string, Buffer][] = [
    ['wrong welcome', list('git-filter-server', 'version=2')],
    ['a suffixed welcome', Buffer.concat([latin1('0016git-filter-clientx'), text('version=2'), FLUSH])],
    ['no version=2', list('git-filter-client', 'version=1', 'version=3')],
    ['no versions at all', list('git-filter-client')],
    ['version=20 is not version=2', list('git-filter-client', 'version=20')],
    ['missing flush after versions', text('git-filter-client', 'version=2')],
    ['flush instead of welcome', FLUSH],
    ['empty input', Buffer.alloc(0)],
    ['delim inside the version list', Buffer.concat([text('git-filter-client', 'version=2'), latin1('0001'), FLUSH])],
  ];
  for (const [label, bytes] of badWelcome) {
    it(`rejects a handshake with ${label}`, async () => {
      await assert.rejects(readWelcome(new PktLineReader([bytes])), ProtocolError);
    });
  }

  const badCapabilities: [string, Buffer][] = [
    ['missing flush', text('capability=clean')],
    ['a non-capability line', list('capability=clean', 'clean')],
  ];
  for (const [label, bytes] of badCapabilities) {
    it(`rejects a capability list with ${label}`, async () => {
      await assert.rejects(readCapabilities(new PktLineReader([bytes])), ProtocolError);
    });
  }
});

describe('request errors', () => {
  const bad: [string, Buffer][] = [
    ['no command', list('pathname=x')],
    ['empty header list', FLUSH],
    ['unknown command', list('command=frobnicate', 'pathname=x')],
    ['clean without pathname', list('command=clean')],
    ['a line without "="', list('command=clean', 'pathname=x', 'junk')],
    ['a line with an empty key', list('command=clean', 'pathname=x', '=v')],
    ['EOF inside the header list', text('command=clean', 'pathname=x')],
  ];
  for (const [label, bytes] of bad) {
    it(label, async () => {
      await assert.rejects(readRequestHeaders(new PktLineReader([bytes])), ProtocolError);
    });
  }

  it('content without its flush', async () => {
    const reader = new PktLineReader([Buffer.concat(encodeContent(latin1('abc')))]);
    await assert.rejects(collect(reader), ProtocolError);
  });

  it('a delim packet inside the content', async () => {
    await assert.rejects(collect(new PktLineReader([latin1('0005a0001')])), ProtocolError);
  });

  it('can-delay other than 1 is false', async () => {
    const r = await readRequestHeaders(new PktLineReader([list('command=smudge', 'pathname=x', 'can-delay=0')]));
    assert.equal(r?.canDelay, false);
  });
});

describe('response encoders', () => {
  const cases: [string, Buffer, string][] = [
    ['status=success', encodeStatus('success'), '0013status=success\n0000'],
    ['status=error', encodeStatus('error'), '0011status=error\n0000'],
    ['status=delayed', encodeStatus('delayed'), '0013status=delayed\n0000'],
    ['status=abort', encodeStatus('abort'), '0011status=abort\n0000'],
    ['empty trailer', encodeEmptyTrailer(), '00000000'],
    ['failure trailer', encodeFailureTrailer(), '00000011status=error\n0000'],
    ['empty content', Buffer.concat(encodeSuccessWithContent(Buffer.alloc(0))), '0013status=success\n000000000000'],
    ['small content', Buffer.concat(encodeSuccessWithContent(latin1('hi'))), '0013status=success\n00000006hi00000000'],
    ['content from chunks', Buffer.concat(encodeSuccessWithContent([latin1('a'), latin1(''), latin1('b')])), '0013status=success\n00000005a0005b00000000'],
    ['no available blobs', encodeAvailableBlobs([]), '00000013status=success\n0000'],
    [
      'available blobs',
      encodeAvailableBlobs(['a.bin', 'dir/b c=d.bin']),
      '0013pathname=a.bin\n001bpathname=dir/b c=d.bin\n00000013status=success\n0000',
    ],
  ];
  for (const [label, got, want] of cases) it(label, () => assert.deepEqual(got, latin1(want)));

  it('a pathname that is not UTF-8 is listed back with the exact bytes git sent', async () => {
    // git sends names as bytes; 'a\xff.bin' must not come back as 'a\xef\xbf\xbd.bin' (U+FFFD),
    // or git stops: "signaled that … is now available although it has not been delayed".
    const name = Buffer.from([0x61, 0xff, 0x2e, 0x62, 0x69, 0x6e]);
    const header = (line: Buffer): Buffer => Buffer.concat([latin1((line.length + 5).toString(16).padStart(4, '0')), line, latin1('\n')]);
    const request = Buffer.concat([header(latin1('command=smudge')), header(Buffer.concat([latin1('pathname='), name])), FLUSH]);
    const r = await readRequestHeaders(new PktLineReader([request]));
    assert.deepEqual(encodeAvailableBlobs([r!.pathname]), Buffer.concat([header(Buffer.concat([latin1('pathname='), name])), FLUSH, encodeStatus('success')]));
  });

  it('splits large content into maximal packets', () => {
    const packets = encodeSuccessWithContent(Buffer.alloc(65517));
    assert.deepEqual(packets.map((p) => p.length), [23, 65520, 5, 8]);
  });
});
