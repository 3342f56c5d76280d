// The requests of a batch mode: the records of its input, separated by LF (one per line) or NUL
// (-z), as the bytes they are (a file name need not be UTF-8). Each record is handed on as soon as
// its separator arrives, never held until more input or the end of it: a co-process writes one
// request and waits for its answer. A last record without a separator still counts. Nothing is
// stripped: a CR before the LF is part of the name, as git's `cat-file --batch` reads it.
import { ErrorCode, LfsLazyError } from '../errors/index.js';

// Far above any path a file system takes (Linux: 4096 bytes): a runaway input, not a request.
export const MAX_REQUEST_BYTES = 64 * 1024;

export async function* batchRequests(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, separator: 0x0a | 0x00): AsyncGenerator<Buffer> {
  let partial: Buffer[] = [];
  let partialLength = 0;
  for await (const piece of input) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    let start = 0;
    for (let end = chunk.indexOf(separator, start); end >= 0; end = chunk.indexOf(separator, start)) {
      const tail = chunk.subarray(start, end);
      checkLength(partialLength + tail.length);
      yield partialLength === 0 ? Buffer.from(tail) : Buffer.concat([...partial, tail]);
      partial = [];
      partialLength = 0;
      start = end + 1;
    }
    if (start < chunk.length) {
      partial.push(Buffer.from(chunk.subarray(start)));
      partialLength += chunk.length - start;
      checkLength(partialLength);
    }
  }
  if (partialLength > 0) yield Buffer.concat(partial);
}

function checkLength(length: number): void {
  if (length > MAX_REQUEST_BYTES) {
    throw new LfsLazyError(`a request of more than ${MAX_REQUEST_BYTES} bytes without a separator: is the input NUL-separated (-z)?`, { code: ErrorCode.BadRequest });
  }
}
