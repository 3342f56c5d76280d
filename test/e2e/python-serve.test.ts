// examples/python/server_reader.py run with python3 against a lazy clone: it starts `lfs-lazy
// serve` itself, reads files whole, streamed into a file, by consecutive ranges and a suffix, and through its
// PyTorch-style Dataset (threads, a pickled copy as a DataLoader worker gets), at the checked-out
// revision and at HEAD~1; every byte it read is compared with what was committed.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { CLI_PATH } from '../helpers/sandbox.js';
import { makeReadFixture, PATHS, runBinary, type ReadFixture } from './lazy-read-fixture.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/python/', import.meta.url));
const SCRIPT = join(EXAMPLES, 'server_reader.py');
const NEW_LABELS = Buffer.from('{"relabelled": true}\n');
// An ordinary file whose name needs escaping: a leading @, a space, a `%`, non-ASCII.
const ODD = { path: 'data/@odd name 100%é.txt', content: Buffer.from('an odd name\n') };

describe('examples/python/server_reader.py', { timeout: 300_000 }, () => {
  let rf: ReadFixture;
  let clone: string;
  const lfsLazy = `'${process.execPath}' '${CLI_PATH}'`;

  before(async () => {
    rf = await makeReadFixture();
    clone = await rf.lazyClone('clone-python-serve');
    await writeFile(join(clone, ODD.path), ODD.content);
    await writeFile(join(clone, PATHS.labels), NEW_LABELS);
    await rf.fx.box.git(['commit', '-q', '-m', 'relabel', '--', PATHS.labels], { cwd: clone });
  });
  after(async () => {
    await rf?.fx.cleanup();
  });

  // PYTHONDONTWRITEBYTECODE: no __pycache__ left in examples/ by importing the client.
  const python = (args: string[]) => runBinary('python3', args, { cwd: clone, env: { ...rf.fx.box.env, PYTHONDONTWRITEBYTECODE: '1' } });

  async function assertRead(out: string, paths: string[], expected: (path: string) => Buffer): Promise<void> {
    for (const [i, path] of paths.entries()) {
      for (const kind of ['whole', 'stream', 'ranges', 'dataset']) {
        const got = await readFile(join(out, `${i}.${kind}`));
        assert.ok(got.equals(expected(path)), `${path} (${kind}): ${got.length} bytes, not the committed ones`);
      }
    }
  }

  it('reads the checked-out revision whole, by ranges and through the Dataset: every byte as committed', async () => {
    const out = join(rf.fx.box.root, 'py-out-head');
    const paths = [PATHS.big, PATHS.labels, PATHS.empty, PATHS.readme, PATHS.gone, ODD.path];
    const result = await python([SCRIPT, '--repo', clone, '--lfs-lazy', lfsLazy, '--out', out, '--chunk', '300000', ...paths]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.toString(), /^read 6 files through http:\/\/127\.0\.0\.1:\d+\/\n$/);
    const contents = new Map([...rf.fx.files.map((f) => [f.path, f.content] as const), [PATHS.labels, NEW_LABELS], [ODD.path, ODD.content]]);
    await assertRead(out, paths, (path) => contents.get(path)!);
    assert.equal((await rf.fx.box.git(['status', '--porcelain', '--untracked-files=no'], { cwd: clone })).stdout, '');
  });

  it('reads HEAD~1 without a checkout', async () => {
    const out = join(rf.fx.box.root, 'py-out-rev');
    const paths = [PATHS.labels, PATHS.readme];
    const result = await python([SCRIPT, '--repo', clone, '--rev', 'HEAD~1', '--lfs-lazy', lfsLazy, '--out', out, '--chunk', '7000', ...paths]);
    assert.equal(result.code, 0, result.stderr);
    await assertRead(out, paths, (path) => rf.file(path).content);
  });

  it('the Dataset works from 8 threads at once, pickled (as DataLoader workers get it), and errors name the path', async () => {
    const script = `
import hashlib, pickle, sys
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, ${JSON.stringify(EXAMPLES)})
from server_reader import LfsLazyServer, ServerDataset, ServerError, url_from_repo
paths = sys.argv[1:]
with LfsLazyServer(".", command=${JSON.stringify(lfsLazy)}) as server:
    assert url_from_repo(".") == server.url
    dataset = pickle.loads(pickle.dumps(ServerDataset(server.url, paths * 10)))
    dataset.transform = lambda b: hashlib.sha256(b).hexdigest()
    assert len(dataset) == len(paths) * 10
    with ThreadPoolExecutor(8) as pool:
        digests = list(pool.map(dataset.__getitem__, range(len(dataset))))
    print("\\n".join(digests[: len(paths)]))
    assert digests == digests[: len(paths)] * 10
    try:
        server.client().read("data/nope.bin")
        raise SystemExit("no error for a missing file")
    except ServerError as e:
        assert e.status == 404 and "data/nope.bin" in str(e), e
`;
    const paths = [PATHS.big, PATHS.gone, PATHS.readme];
    const result = await python(['-c', script, ...paths]);
    assert.equal(result.code, 0, result.stderr);
    const expected = [rf.file(PATHS.big).oid, rf.file(PATHS.gone).oid, rf.file(PATHS.readme).oid];
    assert.deepEqual(result.stdout.toString().trim().split('\n'), expected);
  });
});
