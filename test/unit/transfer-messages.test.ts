import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, ProtocolError } from '../../src/errors/index.js';
import { decodeRequest, encodeResponse, MalformedRequestError, type Request, type Response } from '../../src/protocol/transfer-messages.js';

const OID = 'bf3e0b4d16c7f3a1bd4bd3c8e4a8b3a4c1b5e2f7d9a3c6b8e0f1a2b3c4d5e603';

describe('decodeRequest', () => {
  // The exact lines git-lfs 3.3.0 writes (Go json.Marshal of its structs).
  const wire: Array<[string, string, Request]> = [
    [
      'init',
      '{"event":"init","operation":"download","remote":"origin","concurrent":true,"concurrenttransfers":8}',
      { event: 'init', operation: 'download', remote: 'origin', concurrent: true, concurrenttransfers: 8 },
    ],
    [
      'upload',
      `{"event":"upload","oid":"${OID}","size":346232,"path":"/abs/repo/.git/lfs/objects/bf/3e/${OID}","action":null}`,
      { event: 'upload', oid: OID, size: 346232, path: `/abs/repo/.git/lfs/objects/bf/3e/${OID}`, action: null },
    ],
    ['download', `{"event":"download","oid":"${OID}","size":21245,"action":null}`, { event: 'download', oid: OID, size: 21245, action: null }],
    ['terminate', '{"event":"terminate"}', { event: 'terminate' }],
  ];
  for (const [label, line, expected] of wire) {
    it(`decodes git-lfs's ${label} line`, () => assert.deepEqual(decodeRequest(line), expected));
    it(`round-trips ${label}`, () => assert.deepEqual(decodeRequest(JSON.stringify(expected)), expected));
  }

  it('keeps a server-negotiated action object as is', () => {
    const action = { href: 'https://x/y', header: { A: 'b' }, expires_at: '0001-01-01T00:00:00Z' };
    const request = decodeRequest(JSON.stringify({ event: 'download', oid: OID, size: 1, action }));
    assert.deepEqual(request, { event: 'download', oid: OID, size: 1, action });
  });

  it('tolerates missing informational init fields and unknown fields', () => {
    assert.deepEqual(decodeRequest('{"event":"init","operation":"upload","extra":1}'), {
      event: 'init',
      operation: 'upload',
      remote: '',
      concurrent: true,
      concurrenttransfers: 1,
    });
  });

  it('accepts size 0 and a CRLF-stripped line with surrounding spaces', () => {
    assert.deepEqual(decodeRequest(`  {"event":"download","oid":"${OID}","size":0}  `), { event: 'download', oid: OID, size: 0, action: null });
  });

  const long = 'x'.repeat(5000);
  // [label, line, message pattern, oid the error must carry]
  const malformed: Array<[string, string, RegExp, string | undefined]> = [
    ['blank line', '', /blank line/, undefined],
    ['whitespace only', '  \t ', /blank line/, undefined],
    ['not JSON', 'hello from console.log', /not JSON: "hello from console\.log"/, undefined],
    ['truncated JSON', `{"event":"download","oid":"${OID}"`, /not JSON/, undefined],
    ['JSON array', '[1,2]', /must be a JSON object, got an array/, undefined],
    ['JSON string', '"init"', /must be a JSON object, got a string/, undefined],
    ['JSON null', 'null', /must be a JSON object, got null/, undefined],
    ['JSON number', '42', /must be a JSON object, got a number/, undefined],
    ['missing event', '{"operation":"upload"}', /no "event" field/, undefined],
    ['missing event, with oid', `{"oid":"${OID}","size":1}`, /no "event" field/, OID],
    ['unknown event', '{"event":"fetch"}', /unknown event "fetch"/, undefined],
    ['unknown event with oid', `{"event":"verify","oid":"${OID}"}`, /unknown event "verify"/, OID],
    ['non-string event', '{"event":5}', /unknown event 5/, undefined],
    ['init without operation', '{"event":"init"}', /invalid operation \(missing\)/, undefined],
    ['init with bad operation', '{"event":"init","operation":"push"}', /invalid operation "push"/, undefined],
    ['uppercase oid', `{"event":"download","oid":"${OID.toUpperCase()}","size":1}`, /invalid oid/, OID.toUpperCase()],
    ['short oid', '{"event":"download","oid":"abc","size":1}', /invalid oid "abc"/, 'abc'],
    ['path traversal oid', '{"event":"download","oid":"../../etc/passwd","size":1}', /invalid oid/, '../../etc/passwd'],
    ['numeric oid', '{"event":"download","oid":12,"size":1}', /invalid oid 12/, undefined],
    ['missing oid', '{"event":"upload","size":1,"path":"/a"}', /invalid oid \(missing\)/, undefined],
    ['missing size', `{"event":"download","oid":"${OID}"}`, /invalid size \(missing\)/, OID],
    ['negative size', `{"event":"download","oid":"${OID}","size":-1}`, /invalid size -1/, OID],
    ['fractional size', `{"event":"download","oid":"${OID}","size":1.5}`, /invalid size 1\.5/, OID],
    ['string size', `{"event":"download","oid":"${OID}","size":"12"}`, /invalid size "12"/, OID],
    ['unsafe size', `{"event":"download","oid":"${OID}","size":9007199254740993}`, /invalid size/, OID],
    ['upload without path', `{"event":"upload","oid":"${OID}","size":1}`, /absolute path.*\(missing\)/, OID],
    ['upload with relative path', `{"event":"upload","oid":"${OID}","size":1,"path":"objects/x"}`, /absolute path.*"objects\/x"/, OID],
    ['upload with NUL in path', `{"event":"upload","oid":"${OID}","size":1,"path":"/a\\u0000b"}`, /absolute path/, OID],
  ];
  for (const [label, line, pattern, oid] of malformed) {
    it(`rejects: ${label}`, () => {
      assert.throws(
        () => decodeRequest(line),
        (err: unknown) => {
          assert.ok(err instanceof MalformedRequestError);
          assert.ok(err instanceof ProtocolError);
          assert.equal(err.code, ErrorCode.Protocol);
          assert.match(err.message, pattern);
          assert.equal(err.oid, oid);
          return true;
        },
      );
    });
  }

  it('never echoes more than ~80 characters of a long input', () => {
    const lines = [long, `{"event":"${long}"}`, `{"event":"download","oid":"${long}","size":1}`, `{"event":"init","operation":"${long}"}`];
    for (const line of lines) {
      assert.throws(
        () => decodeRequest(line),
        (err: Error) => err.message.length < 200 && !err.message.includes('x'.repeat(81)),
      );
    }
  });
});

describe('encodeResponse', () => {
  const responses: Array<[string, Response]> = [
    ['init ok', {}],
    ['init error', { error: { code: 32, message: 'init failed: bad config' } }],
    ['progress', { event: 'progress', oid: OID, bytesSoFar: 1234, bytesSinceLast: 64 }],
    ['upload complete', { event: 'complete', oid: OID }],
    ['download complete', { event: 'complete', oid: OID, path: `/abs/repo/.git/lfs/tmp/${OID}-1-ab` }],
    ['complete with error', { event: 'complete', oid: OID, error: { code: 404, message: `object ${OID} is missing` } }],
  ];
  for (const [label, message] of responses) {
    it(`round-trips ${label} as exactly one line`, () => {
      const line = encodeResponse(message);
      assert.ok(line.endsWith('\n'));
      assert.equal(line.indexOf('\n'), line.length - 1);
      assert.deepEqual(JSON.parse(line), message);
    });
  }

  it('matches the bytes git-lfs documents', () => {
    assert.equal(encodeResponse({}), '{}\n');
    assert.equal(encodeResponse({ event: 'complete', oid: OID }), `{"event":"complete","oid":"${OID}"}\n`);
  });

  it('escapes newlines inside messages', () => {
    const line = encodeResponse({ event: 'complete', oid: OID, error: { code: 500, message: 'line one\nline two\r\n' } });
    assert.equal(line.split('\n').length, 2);
    assert.equal((JSON.parse(line) as { error: { message: string } }).error.message, 'line one\nline two\r\n');
  });
});
