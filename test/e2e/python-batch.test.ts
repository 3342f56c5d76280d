// examples/python/batch_reader.py run with python3 against a lazy clone (objects in s3rver): every
// byte it reads is compared with the committed content, a missing path is an error while the
// reads go on, reads at a revision, names that are not UTF-8 or hold a line break, the
// PyTorch-style dataset, a forked child, and the script's own output.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fileContent } from '../helpers/lfs-fixture.js';
import { CLI_PATH } from '../helpers/sandbox.js';
import { makeReadFixture, PATHS, pushNextVersion, runBinary, sha256, type ReadFixture } from './lazy-read-fixture.js';

const EXAMPLES = fileURLToPath(new URL('../../../examples/python/', import.meta.url));
// No __pycache__ left in the source tree by importing the example.
const NO_BYTECODE = { PYTHONDONTWRITEBYTECODE: '1' };

// Reads every path of a spec file with BatchReader.read and .local_path, writing what it got to
// <out>/<i>.bin, <i>.path, or <i>.error / <i>.path-error; then the dataset and a forked child.
const DRIVER = `
import json, os, sys
sys.path.insert(0, sys.argv[1])
from batch_reader import BatchReader, BatchReadError, LazyFileDataset
spec = json.load(open(sys.argv[2]))
out = spec["out"]
def put(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
with BatchReader(spec["repo"], rev=spec.get("rev"), command=spec["command"], jobs=2) as reader:
    for i, path in enumerate(spec["paths"]):
        try:
            put(f"{i}.bin", reader.read(path))
        except BatchReadError as err:
            put(f"{i}.error", err.message.encode())
        try:
            put(f"{i}.path", os.fsencode(reader.local_path(path)))
        except BatchReadError as err:
            put(f"{i}.path-error", err.message.encode())
    pipelined = spec.get("pipelined")
    if pipelined:
        for i, (path, result) in enumerate(reader.iter_read(pipelined)):
            if isinstance(result, BatchReadError):
                put(f"iter-{i}.error", result.message.encode())
            else:
                put(f"iter-{i}.bin", result)
        for i, (path, result) in enumerate(reader.iter_local_paths(pipelined)):
            if isinstance(result, BatchReadError):
                put(f"iterpath-{i}.error", result.message.encode())
            else:
                put(f"iterpath-{i}.path", os.fsencode(result))
        for path, result in reader.iter_read(pipelined):
            break
        put("after-break.bin", reader.read(pipelined[-1]))
        try:
            for path, result in reader.iter_read(pipelined):
                reader.read(path)
        except RuntimeError:
            put("nested-refused", b"")
        put("after-nested.bin", reader.read(pipelined[0]))
    if spec.get("fork"):
        pid = os.fork()
        if pid == 0:
            try:
                put("child.bin", reader.read(spec["fork"]))
            finally:
                os._exit(0)
        os.waitpid(pid, 0)
        put("parent-after-fork.bin", reader.read(spec["fork"]))
dataset = spec.get("dataset")
if dataset:
    ds = LazyFileDataset(dataset, repo=spec["repo"], command=spec["command"], transform=lambda b: b[::-1])
    put("dataset-len", str(len(ds)).encode())
    for i in range(len(ds)):
        put(f"dataset-{i}.bin", ds[i])
    ds.reader.close()
`;

const V2 = {
  labels: fileContent(60, 33_000),
  newline: { path: 'data/two\nlines.bin', content: fileContent(61, 4_000) },
  notUtf8: { bytes: Buffer.from([...Buffer.from('data/c'), 0xe9, ...Buffer.from('.bin')]), path: 'data/c\udce9.bin', content: fileContent(62, 4_001) },
};

describe('examples/python/batch_reader.py with python3', { timeout: 300_000 }, () => {
  let rf: ReadFixture;
  let clone: string;
  let runs = 0;

  before(async () => {
    rf = await makeReadFixture();
    await pushNextVersion(rf, {
      write: [
        [PATHS.labels, V2.labels],
        [V2.newline.path, V2.newline.content],
        [V2.notUtf8.bytes, V2.notUtf8.content],
      ],
      remove: [PATHS.big],
    });
    clone = await rf.lazyClone('clone-python');
  });
  after(async () => {
    await rf?.fx.cleanup();
  });

  // Runs the driver with a spec; returns the directory it wrote to.
  async function drive(spec: Record<string, unknown>): Promise<string> {
    const out = join(rf.fx.box.root, `python-out-${++runs}`);
    await mkdir(out);
    const specFile = join(out, 'spec.json');
    // JSON.stringify writes an escaped byte (U+DCxx) as \\udcxx: Python's json gives it back as
    // the same lone surrogate, which os.fsencode turns into the byte.
    await writeFile(specFile, JSON.stringify({ repo: clone, command: [process.execPath, CLI_PATH], out, ...spec }));
    const result = await runBinary('python3', ['-c', DRIVER, EXAMPLES, specFile], { cwd: clone, env: { ...rf.fx.box.env, ...NO_BYTECODE } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    return out;
  }

  const got = (out: string, name: string): Promise<Buffer> => readFile(join(out, name));

  it('reads every file byte for byte, one request at a time; a missing path is an error and the reads go on', async () => {
    const cases: Array<[string, Buffer | undefined]> = [
      [PATHS.labels, V2.labels],
      ['data/nope.bin', undefined],
      [PATHS.readme, rf.file(PATHS.readme).content],
      [PATHS.empty, Buffer.alloc(0)],
      [V2.notUtf8.path, V2.notUtf8.content],
      [V2.newline.path, V2.newline.content],
      [PATHS.gone, rf.file(PATHS.gone).content],
      [PATHS.big, undefined],
      [PATHS.labels, V2.labels],
    ];
    const out = await drive({ paths: cases.map(([path]) => path), fork: PATHS.readme });
    for (const [i, [path, expected]] of cases.entries()) {
      if (expected === undefined) {
        assert.equal((await got(out, `${i}.error`)).toString(), `${path} is not in the repository`);
        assert.equal((await got(out, `${i}.path-error`)).toString(), `${path} is not in the repository`);
        assert.equal(existsSync(join(out, `${i}.bin`)), false);
        continue;
      }
      assert.ok((await got(out, `${i}.bin`)).equals(expected), `${JSON.stringify(path)}: bytes differ`);
      const local = await got(out, `${i}.path`);
      assert.ok((await readFile(local)).equals(expected), `${JSON.stringify(path)}: the local file differs`);
    }
    // A forked child started its own co-process; the parent's still works.
    assert.ok((await got(out, 'child.bin')).equals(rf.file(PATHS.readme).content));
    assert.ok((await got(out, 'parent-after-fork.bin')).equals(rf.file(PATHS.readme).content));
    assert.equal((await rf.fx.box.git(['status', '--porcelain'], { cwd: clone })).stdout, '');
  });

  it('iter_read / iter_local_paths send the paths ahead and answer in order; stopping early or nesting leaves the reader usable', async () => {
    const cases: Array<[string, Buffer | undefined]> = [
      [PATHS.gone, rf.file(PATHS.gone).content],
      [PATHS.labels, V2.labels],
      ['data/nope.bin', undefined],
      [V2.newline.path, V2.newline.content],
      [PATHS.empty, Buffer.alloc(0)],
      [PATHS.readme, rf.file(PATHS.readme).content],
    ];
    const out = await drive({ paths: [], pipelined: cases.map(([path]) => path) });
    for (const [i, [path, expected]] of cases.entries()) {
      if (expected === undefined) {
        assert.equal((await got(out, `iter-${i}.error`)).toString(), `${path} is not in the repository`);
        assert.equal((await got(out, `iterpath-${i}.error`)).toString(), `${path} is not in the repository`);
        continue;
      }
      assert.ok((await got(out, `iter-${i}.bin`)).equals(expected), `${JSON.stringify(path)}: bytes differ`);
      assert.ok((await readFile(await got(out, `iterpath-${i}.path`))).equals(expected), `${JSON.stringify(path)}: local file differs`);
    }
    assert.ok((await got(out, 'after-break.bin')).equals(rf.file(PATHS.readme).content));
    assert.ok(existsSync(join(out, 'nested-refused')));
    assert.ok((await got(out, 'after-nested.bin')).equals(rf.file(PATHS.gone).content));
  });

  it('reads at a revision: a file since removed and one since changed', async () => {
    const out = await drive({ rev: 'HEAD~1', paths: [PATHS.big, PATHS.labels, V2.newline.path] });
    assert.ok((await got(out, '0.bin')).equals(rf.file(PATHS.big).content));
    assert.ok((await got(out, '1.bin')).equals(rf.file(PATHS.labels).content));
    assert.match((await got(out, '2.error')).toString(), /^[0-9a-f]{40}:"data\/two\\nlines\.bin" does not exist$/);
  });

  it('the PyTorch-style dataset gives transform(bytes) of each path', async () => {
    const paths = [PATHS.gone, PATHS.readme, PATHS.labels];
    const out = await drive({ paths: [], dataset: paths });
    assert.equal((await got(out, 'dataset-len')).toString(), '3');
    const expected = [rf.file(PATHS.gone).content, rf.file(PATHS.readme).content, V2.labels];
    for (const [i, content] of expected.entries()) {
      assert.ok((await got(out, `dataset-${i}.bin`)).equals(Buffer.from(content).reverse()), paths[i]);
    }
  });

  it('as a script: size, SHA-256 and path per file, an error line for a missing one, exit status 1', async () => {
    const env = { ...rf.fx.box.env, ...NO_BYTECODE, LFS_LAZY_COMMAND: `'${process.execPath}' '${CLI_PATH}'` };
    const result = await runBinary('python3', [join(EXAMPLES, 'batch_reader.py'), '--repo', clone, PATHS.labels, 'data/nope.bin', PATHS.readme], { cwd: rf.fx.box.root, env });
    assert.equal(result.code, 1, result.stderr);
    const readme = rf.file(PATHS.readme).content;
    assert.equal(
      result.stdout.toString(),
      [
        `${V2.labels.length} ${sha256(V2.labels)} ${PATHS.labels}`,
        'error data/nope.bin is not in the repository',
        `${readme.length} ${sha256(readme)} ${PATHS.readme}`,
        '',
      ].join('\n'),
    );
  });
});
