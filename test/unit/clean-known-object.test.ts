// The clean filter's comparison with the object the index names (clean-known-object.ts), where
// the stored object itself misbehaves: it changes on disk while git's bytes are being compared
// with it, or its bytes are not what its name says. The pointer must describe git's bytes or the
// blob must fail — never a pointer to, or a stored copy of, other bytes. Real store, real files;
// git's stream is a generator so the object can be changed at a chosen point of it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { after, beforeEach, describe, it } from 'node:test';
import { cleanContent, type CleanHint } from '../../src/filter/clean.js';
import { LocalObjectStore } from '../../src/local/local-object-store.js';
import { parsePointer } from '../../src/protocol/pointer.js';
import { fileContent, sha256 } from '../helpers/lfs-fixture.js';

const MiB = 1024 * 1024;
const CHUNK = 65_516; // what one pkt-line carries

function* chunksOf(data: Buffer): Generator<Buffer> {
  for (let at = 0; at < data.length; at += CHUNK) yield data.subarray(at, at + CHUNK);
}

describe('clean against a stored object that misbehaves', () => {
  let dir: string;
  let store: LocalObjectStore;
  let worktreeFile: string;
  const committed = fileContent(3, 10 * MiB);
  const committedOid = sha256(committed);
  const hint = (): CleanHint => ({ file: worktreeFile, expected: async () => ({ oid: committedOid, size: committed.length }) });

  beforeEach(async () => {
    await rm(dir ?? '', { recursive: true, force: true });
    dir = await mkdtemp(join(tmpdir(), 'lfs-lazy-clean-known-'));
    store = new LocalObjectStore(join(dir, 'objects'), join(dir, 'tmp'));
    worktreeFile = join(dir, 'big.bin');
    await writeFile(worktreeFile, committed);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function storeAs(oid: string, bytes: Buffer): Promise<void> {
    await mkdir(dirname(store.pathFor(oid)), { recursive: true });
    await writeFile(store.pathFor(oid), bytes);
  }

  it('the object changes on disk after git\'s first 4 MiB matched it: the blob fails, nothing is stored', async () => {
    await storeAs(committedOid, committed);
    const sent = Buffer.from(committed);
    sent[9 * MiB] = sent[9 * MiB]! ^ 0xff; // git's bytes diverge here: past what ingest holds in memory
    async function* git(): AsyncGenerator<Buffer> {
      let at = 0;
      for (const chunk of chunksOf(sent)) {
        if (at === 64 * CHUNK) {
          // git's first 64 chunks were compared with the object; now its first byte changes.
          const object = await open(store.pathFor(committedOid), 'r+');
          await object.write(Buffer.from([committed[0]! ^ 0xff]), 0, 1, 0);
          await object.close();
        }
        at += chunk.length;
        yield chunk;
      }
    }
    await assert.rejects(cleanContent(git(), store, hint()), /local object [0-9a-f]{64} changed on disk while it was compared/);
    assert.equal(await store.has(sha256(sent), sent.length), false, 'git\'s bytes were not stored under their oid');
    assert.deepEqual(await readdir(join(dir, 'tmp')), [], 'no temp file is left');
  });

  it('the object\'s bytes are not its name, and git sends those very bytes: their own oid, stored', async () => {
    const corrupt = Buffer.from(committed);
    corrupt[5 * MiB] = corrupt[5 * MiB]! ^ 0xff;
    await storeAs(committedOid, corrupt);
    const pointer = parsePointer(await cleanContent(Readable.from(chunksOf(corrupt)), store, hint()));
    assert.equal(pointer?.oid, sha256(corrupt));
    assert.equal(await store.has(sha256(corrupt), corrupt.length), true);
  });

});
