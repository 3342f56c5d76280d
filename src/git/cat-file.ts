// git's object database read through `git cat-file`: sizes and types of many objects from one
// `--batch-check` run, and their bytes streamed out of one `--batch` run, handed to a consumer as
// they arrive (no object is held in memory unless the consumer keeps it) and read no faster than
// the consumer takes them. The only place lfs-lazy reads objects from git.
import { Readable } from 'node:stream';
import { LfsLazyError } from '../errors/index.js';
import { git, spawnGit } from './git.js';

export interface ObjectHeader {
  id: string;
  type: string;
  size: number;
}

export interface ObjectConsumer {
  start(object: ObjectHeader): void;
  // A promise returned here holds the reading until it settles (backpressure).
  data(chunk: Buffer): void | Promise<void>;
  end(): void;
}

// The type and size of each object that exists; a missing one is simply absent from the map.
export async function objectHeaders(cwd: string, ids: readonly string[]): Promise<Map<string, ObjectHeader>> {
  const headers = new Map<string, ObjectHeader>();
  const unique = [...new Set(ids)];
  if (unique.length === 0) return headers;
  const { stdout } = await git(['cat-file', '--batch-check=%(objectname) %(objecttype) %(objectsize)'], { cwd, input: unique.join('\n') + '\n' });
  for (const line of stdout.split('\n')) {
    const [id = '', type = '', size = ''] = line.split(' ');
    // "<id> missing" (or "ambiguous") has no size: not an object.
    if (/^\d+$/.test(size)) headers.set(id, { id, type, size: Number(size) });
  }
  return headers;
}

const enum Phase {
  Header,
  Body,
  Newline,
}

// Streams the objects `ids` names, in that order, into `consumer`. An id git does not have fails
// the whole read. Aborting `signal` stops git and rejects with the signal's reason.
export async function readObjects(cwd: string, ids: readonly string[], consumer: ObjectConsumer, options: { signal?: AbortSignal } = {}): Promise<void> {
  if (ids.length === 0) return;
  const { signal } = options;
  signal?.throwIfAborted();
  const batch = spawnGit(['cat-file', '--batch'], { cwd });
  signal?.addEventListener('abort', batch.stop, { once: true });
  batch.stdin.end(ids.join('\n') + '\n');

  let phase = Phase.Header;
  let header = Buffer.alloc(0);
  let remaining = 0;
  // Consumes one chunk of git's output; async only when the consumer asks to wait.
  const parse = async (chunk: Buffer): Promise<void> => {
    let offset = 0;
    while (offset < chunk.length) {
      if (phase === Phase.Header) {
        const nl = chunk.indexOf(0x0a, offset);
        if (nl < 0) {
          header = Buffer.concat([header, chunk.subarray(offset)]);
          return;
        }
        const line = Buffer.concat([header, chunk.subarray(offset, nl)]).toString();
        header = Buffer.alloc(0);
        offset = nl + 1;
        const [id = '', type = '', size = ''] = line.split(' ');
        if (type === 'missing' || !/^\d+$/.test(size)) throw new LfsLazyError(`git cat-file: ${line}`);
        remaining = Number(size);
        consumer.start({ id, type, size: remaining });
        phase = remaining > 0 ? Phase.Body : Phase.Newline;
        if (remaining === 0) consumer.end();
      } else if (phase === Phase.Body) {
        const take = Math.min(remaining, chunk.length - offset);
        const wait = consumer.data(chunk.subarray(offset, offset + take));
        offset += take;
        remaining -= take;
        if (wait) await wait;
        if (remaining === 0) {
          consumer.end();
          phase = Phase.Newline;
        }
      } else {
        offset++; // the LF after each object
        phase = Phase.Header;
      }
    }
  };

  try {
    for await (const chunk of batch.stdout as AsyncIterable<Buffer>) await parse(chunk);
    const { code, stderr } = await batch.exited;
    signal?.throwIfAborted();
    if (code !== 0) throw new LfsLazyError(`git cat-file --batch exited ${code}: ${stderr.trim()}`);
  } catch (err) {
    batch.stop();
    await batch.exited.catch(() => undefined);
    throw err;
  } finally {
    signal?.removeEventListener('abort', batch.stop);
  }
}

// The whole content of each object (meant for small ones: pointers, short files).
export async function readWholeObjects(cwd: string, ids: readonly string[]): Promise<Map<string, Buffer>> {
  const contents = new Map<string, Buffer>();
  let id = '';
  let chunks: Buffer[] = [];
  await readObjects(cwd, [...new Set(ids)], {
    start(object) {
      id = object.id;
      chunks = [];
    },
    data(chunk) {
      chunks.push(chunk);
    },
    end() {
      // One chunk (the usual case for a small object) is kept as the view it is, not copied.
      contents.set(id, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    },
  });
  return contents;
}

// The content of one object smaller than `maxSize` (a pointer, a short file), from a single
// `git cat-file --batch` run: git is stopped after the header when the object is bigger, so a large
// blob costs nothing. Undefined when the object is missing or not smaller than `maxSize`. For one
// object this saves objectHeaders' run; for many, a large one among them would have to be read
// through, which objectHeaders first avoids.
export async function readSmallObject(cwd: string, id: string, maxSize: number): Promise<Buffer | undefined> {
  return (await readSmallNamed(cwd, id, maxSize))?.content;
}

// The same for any object name git's `--batch` takes on one line (`:0:<path>`: the index's file,
// looked up by cat-file itself), with the id and type it names. `name` as git's bytes.
export async function readSmallNamed(cwd: string, name: string | Buffer, maxSize: number): Promise<(ObjectHeader & { content: Buffer }) | undefined> {
  const batch = spawnGit(['cat-file', '--batch'], { cwd });
  batch.stdin.end(Buffer.concat([typeof name === 'string' ? Buffer.from(name) : name, NEWLINE]));
  let output: Buffer = Buffer.alloc(0);
  let answer: { object: (ObjectHeader & { content: Buffer }) | undefined } | undefined;
  for await (const chunk of batch.stdout as AsyncIterable<Buffer>) {
    output = output.length === 0 ? chunk : Buffer.concat([output, chunk]);
    const nl = output.indexOf(0x0a);
    if (nl < 0) continue;
    // "<id> <type> <size>", or "<name> missing" (or "ambiguous"); a name may hold spaces, an id not.
    const header = output.subarray(0, nl).toString();
    const [id = '', type = '', size = ''] = header.endsWith(' missing') || header.endsWith(' ambiguous') ? [] : header.split(' ');
    const length = Number(size);
    if (!/^\d+$/.test(size) || length >= maxSize) answer = { object: undefined };
    else if (output.length >= nl + 1 + length) answer = { object: { id, type, size: length, content: output.subarray(nl + 1, nl + 1 + length) } };
    if (answer) break;
  }
  // Leaving the loop early destroyed git's stdout; an object still being written is cut short.
  // A whole answer is all that was asked: git's exit (≈ 1 ms on) is not waited for.
  if (answer) {
    batch.stop();
    return answer.object;
  }
  const { code, stderr } = await batch.exited;
  throw new LfsLazyError(`git cat-file --batch exited ${code}: ${stderr.trim()}`);
}

const NEWLINE = Buffer.from('\n');

// One object's content as a stream, read from git at the reader's pace; a reader that stops early
// (destroys the stream) stops git too.
export function objectStream(cwd: string, id: string): Readable {
  const stopped = new AbortController();
  let resume: (() => void) | undefined;
  const wake = (): void => {
    const waiting = resume;
    resume = undefined;
    waiting?.();
  };
  const out = new Readable({
    highWaterMark: 1 << 16,
    read: wake,
    destroy(err, callback) {
      stopped.abort();
      wake();
      callback(err);
    },
  });
  const consumer: ObjectConsumer = {
    start() {},
    data(chunk) {
      // (After destroy() nothing would ever call read() again: the rest is dropped, git stops.)
      if (out.destroyed || out.push(chunk)) return undefined;
      return new Promise<void>((resolve) => (resume = resolve));
    },
    end() {},
  };
  readObjects(cwd, [id], consumer, { signal: stopped.signal }).then(
    () => out.push(null),
    (err: unknown) => out.destroy(err as Error),
  );
  return out;
}
