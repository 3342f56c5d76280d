import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { computeFingerprint, FINGERPRINT_SCHEME, sortByPath } from '../../src/dataset/fingerprint.js';
import { parseManifest } from '../../src/dataset/manifest.js';

const FILES = [
  { path: 'data/b.bin', oid: 'b'.repeat(64), size: 10 },
  { path: 'data/a.json', oid: 'a'.repeat(64), size: 5 },
  { path: 'é/x', oid: 'c'.repeat(64), size: 0 },
  { path: 'data/a.json.bak', oid: 'd'.repeat(64), size: 123456789012 },
];

describe('dataset fingerprint', () => {
  it('matches the documented definition (vector computed independently with Python hashlib)', () => {
    // h = sha256(b"lfs-lazy-fingerprint/1\n"); for each sorted by path bytes: h.update(f"{oid} {size} {path}\0".encode())
    assert.equal(FINGERPRINT_SCHEME, 'lfs-lazy-fingerprint/1');
    assert.equal(computeFingerprint(FILES), '4e2d5eac968dcc8cfc7d973a8a3b1f0111fc6bce6ba92dda48e8367a43791bdf');
    assert.equal(computeFingerprint([]), '1bef2f547f4202630f2f7a7ccac48a47c1c75b66e7c5733702edfd064c109e12');
  });

  it('does not depend on the order the files are listed in', () => {
    const reversed = [...FILES].reverse();
    assert.equal(computeFingerprint(reversed), computeFingerprint(FILES));
  });

  it('changes with any path, oid or size, and with the selection', () => {
    const base = computeFingerprint(FILES);
    const variants = [
      FILES.map((f, i) => (i === 0 ? { ...f, oid: 'e'.repeat(64) } : f)),
      FILES.map((f, i) => (i === 0 ? { ...f, size: 11 } : f)),
      FILES.map((f, i) => (i === 0 ? { ...f, path: 'data/c.bin' } : f)),
      FILES.slice(1),
      [...FILES, { path: 'z', oid: 'f'.repeat(64), size: 1 }],
    ];
    const seen = new Set([base]);
    for (const v of variants) seen.add(computeFingerprint(v));
    assert.equal(seen.size, variants.length + 1);
    // No ambiguity between a path and the next record: ("a", "b c") vs ("a b", "c") style splits.
    assert.notEqual(
      computeFingerprint([{ path: 'x 1 y', oid: 'a'.repeat(64), size: 1 }]),
      computeFingerprint([{ path: 'y', oid: 'a'.repeat(64), size: 1 }]),
    );
  });

  it('sorts by UTF-8 bytes (as git and `LC_ALL=C sort` do), not UTF-16 code units', () => {
    const paths = sortByPath([{ path: '😀' }, { path: '\uFFFD' }, { path: 'Z' }, { path: 'a' }, { path: 'a/b' }, { path: 'a.b' }]).map((f) => f.path);
    assert.deepEqual(paths, ['Z', 'a', 'a.b', 'a/b', '\uFFFD', '😀']);
  });

  it('refuses malformed entries', () => {
    assert.throws(() => computeFingerprint([{ path: 'a', oid: 'A'.repeat(64), size: 1 }]), /oid/);
    assert.throws(() => computeFingerprint([{ path: 'a', oid: 'a'.repeat(64), size: -1 }]), /size/);
    assert.throws(() => computeFingerprint([FILES[0]!, FILES[0]!]), /twice/);
  });
});

describe('dataset manifest parsing', () => {
  const manifest = {
    scheme: FINGERPRINT_SCHEME,
    fingerprint: computeFingerprint(FILES),
    commit: '0'.repeat(40),
    prefix: '',
    pathspecs: ['data'],
    count: FILES.length,
    files: FILES.map((f) => ({ ...f, lfs: true })),
  };

  it('reads a manifest and sorts its files', () => {
    const parsed = parseManifest(JSON.stringify(manifest), 'm.json');
    assert.equal(parsed.fingerprint, manifest.fingerprint);
    assert.deepEqual(parsed.files.map((f) => f.path), ['data/a.json', 'data/a.json.bak', 'data/b.bin', 'é/x']);
  });

  it('refuses a manifest whose files do not give its fingerprint, or that is not one', () => {
    const edited = { ...manifest, files: manifest.files.map((f, i) => (i === 0 ? { ...f, size: 99 } : f)) };
    assert.throws(() => parseManifest(JSON.stringify(edited), 'm.json'), /its files give fingerprint/);
    assert.throws(() => parseManifest('{', 'm.json'), /not JSON/);
    assert.throws(() => parseManifest('[]', 'm.json'), /not an lfs-lazy dataset manifest/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest, scheme: 'x' }), 'm.json'), /scheme/);
  });
});
