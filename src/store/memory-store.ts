import { Readable } from 'node:stream';
import { readFile } from 'node:fs/promises';
import { IntegrityError, ObjectNotFoundError } from '../errors/index.js';
import { assertOid } from '../util/oid.js';
import { rangeNotSatisfiable, type GetOptions, type ObjectInfo, type ObjectStore, type PutOptions } from './object-store.js';

// The reference implementation: used by unit tests of the protocol layers and as the executable
// definition of the ObjectStore contract.
export class MemoryStore implements ObjectStore {
  readonly url = 'memory://';
  readonly objects = new Map<string, Buffer>();

  locate(oid: string): string {
    return `memory://${assertOid(oid)}`;
  }

  async stat(oid: string): Promise<ObjectInfo | undefined> {
    const data = this.objects.get(assertOid(oid));
    return data ? { size: data.length } : undefined;
  }

  async get(oid: string, options: GetOptions = {}): Promise<Readable> {
    const data = this.objects.get(assertOid(oid));
    if (!data) throw new ObjectNotFoundError(oid, this.locate(oid));
    const ranged = options.start !== undefined || options.end !== undefined;
    if (ranged && (options.start ?? 0) >= data.length) throw rangeNotSatisfiable(this.locate(oid), options.start ?? 0, data.length);
    const end = options.end === undefined ? data.length : options.end + 1;
    return Readable.from([data.subarray(options.start ?? 0, end)]);
  }

  async put(oid: string, size: number, sourcePath: string, options: PutOptions = {}): Promise<void> {
    assertOid(oid);
    const data = await readFile(sourcePath);
    if (data.length !== size) throw new IntegrityError(`size mismatch for ${oid}: file has ${data.length} bytes, expected ${size}`);
    this.objects.set(oid, data);
    options.onProgress?.(size);
  }

  async delete(oid: string): Promise<void> {
    this.objects.delete(assertOid(oid));
  }

  close(): void {}
}
