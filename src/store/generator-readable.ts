import { Readable } from 'node:stream';

// Like Readable.from, but `onDestroy` runs as soon as the reader destroys the stream; Readable.from
// would first wait for the generator's pending read, which on a stalled socket lasts until the
// idle time-out.
export function readableOf(chunks: AsyncGenerator<Buffer>, onDestroy: () => void): Readable {
  return new Readable({
    read() {
      chunks.next().then(
        (next) => this.push(next.done ? null : next.value),
        (err: unknown) => this.destroy(err as Error),
      );
    },
    destroy(err, callback) {
      onDestroy();
      chunks.return(undefined).catch(() => undefined);
      callback(err);
    },
  });
}
