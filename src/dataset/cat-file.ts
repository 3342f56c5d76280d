// Streams many blobs out of one `git cat-file --batch`, handing each object's bytes to a consumer
// as they arrive: no blob is held in memory unless the consumer keeps it.
import { spawn } from 'node:child_process';
import { LfsLazyError } from '../errors/index.js';

export interface BlobConsumer {
  start(id: string, size: number): void;
  data(chunk: Buffer): void;
  end(): void;
}

const enum Phase {
  Header,
  Body,
  Newline,
}

export function streamBlobs(cwd: string, ids: readonly string[], consumer: BlobConsumer): Promise<void> {
  if (ids.length === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    let failure: Error | undefined;
    let phase = Phase.Header;
    let header = Buffer.alloc(0);
    let remaining = 0;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      if (failure) return;
      try {
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
            consumer.start(id, remaining);
            phase = remaining > 0 ? Phase.Body : Phase.Newline;
            if (remaining === 0) consumer.end();
          } else if (phase === Phase.Body) {
            const take = Math.min(remaining, chunk.length - offset);
            consumer.data(chunk.subarray(offset, offset + take));
            offset += take;
            remaining -= take;
            if (remaining === 0) {
              consumer.end();
              phase = Phase.Newline;
            }
          } else {
            offset++; // the LF after each object
            phase = Phase.Header;
          }
        }
      } catch (err) {
        failure = err as Error;
        child.kill();
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (failure) reject(failure);
      else if (code !== 0) reject(new LfsLazyError(`git cat-file --batch exited ${code}: ${stderr.trim()}`));
      else resolve();
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(ids.join('\n') + '\n');
  });
}
