// pkt-line framing (git Documentation/gitprotocol-common.txt, pkt-line.h):
//
//   pkt-line     = data-pkt / flush-pkt / delim-pkt / response-end-pkt
//   data-pkt     = pkt-len pkt-payload          ; pkt-len = 4 hex digits, counting itself
//   flush-pkt    = "0000"
//   delim-pkt    = "0001"
//   response-end = "0002"
//   LARGE_PACKET_MAX = 65520 bytes in total, so a payload is at most 65516 bytes.
//
// An empty data packet ("0004") must never be sent: git's readers take it as the end of a list or of
// the content and desynchronise, and git-lfs rejects it. Text lines carry a trailing LF that the
// receiver strips.
import { ProtocolError } from '../errors/index.js';
import { bytesToPath, pathToBytes } from '../util/path-bytes.js';

export const MAX_PKT_LENGTH = 65520;
export const MAX_PKT_PAYLOAD = MAX_PKT_LENGTH - 4;
export const FLUSH: Buffer = Buffer.from('0000', 'latin1');
export const DELIM: Buffer = Buffer.from('0001', 'latin1');
export const RESPONSE_END: Buffer = Buffer.from('0002', 'latin1');

export type PktFrame =
  | { type: 'data'; payload: Buffer }
  | { type: 'flush' }
  | { type: 'delim' }
  | { type: 'response-end' };

export function encodeData(payload: Uint8Array): Buffer {
  if (payload.length === 0) throw new RangeError('refusing to encode an empty pkt-line (0004)');
  if (payload.length > MAX_PKT_PAYLOAD) {
    throw new RangeError(`pkt-line payload of ${payload.length} bytes exceeds ${MAX_PKT_PAYLOAD}`);
  }
  const packet = Buffer.allocUnsafe(payload.length + 4);
  packet.write((payload.length + 4).toString(16).padStart(4, '0'), 0, 'latin1');
  packet.set(payload, 4);
  return packet;
}

// Text lines may carry file names (pathname=…), which are bytes, not necessarily UTF-8: decoded
// with bytesToPath and encoded with pathToBytes, a name goes back to git exactly as git sent it.
export function encodeText(line: string): Buffer {
  return encodeData(pathToBytes(`${line}\n`));
}

// Splits content into maximal packets; empty content yields no packet at all.
export function encodeContent(data: Uint8Array): Buffer[] {
  const packets: Buffer[] = [];
  for (let at = 0; at < data.length; at += MAX_PKT_PAYLOAD) {
    packets.push(encodeData(data.subarray(at, Math.min(at + MAX_PKT_PAYLOAD, data.length))));
  }
  return packets;
}

// The text of a data packet without its (optional) trailing LF, as git's packet_read_line does.
export function decodeText(payload: Uint8Array): string {
  const end = payload.length > 0 && payload[payload.length - 1] === 0x0a ? payload.length - 1 : payload.length;
  return bytesToPath(Buffer.from(payload.buffer, payload.byteOffset, end));
}

const HEX_RE = /^[0-9a-fA-F]{4}$/;

// Pull-based frame reader. Payloads may be views of the source's chunks, so the source must not
// reuse a chunk's memory once yielded (Node streams don't). Chunks are kept in a list with a read
// offset and at most one packet is copied at a time, so the cost stays linear however input is split.
export class PktLineReader {
  readonly #source: AsyncIterator<Uint8Array> | Iterator<Uint8Array>;
  #chunks: Uint8Array[] = [];
  #head = 0; // first unconsumed chunk
  #offset = 0; // read position inside #chunks[#head]
  #buffered = 0;
  #eof = false;

  constructor(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>) {
    this.#source = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  // The next frame, or undefined at a clean end of input (EOF between packets).
  async read(): Promise<PktFrame | undefined> {
    await this.#fill(4);
    if (this.#buffered === 0) return undefined;
    if (this.#buffered < 4) throw new ProtocolError(`pkt-line: input ends inside a length header (${this.#buffered} of 4 bytes)`);
    const header = Buffer.from(this.#take(4)).toString('latin1');
    if (!HEX_RE.test(header)) throw new ProtocolError(`pkt-line: invalid length header ${JSON.stringify(header)}`);
    const length = Number.parseInt(header, 16);
    if (length === 0) return { type: 'flush' };
    if (length === 1) return { type: 'delim' };
    if (length === 2) return { type: 'response-end' };
    if (length <= 4) throw new ProtocolError(`pkt-line: invalid packet length ${header}`);
    if (length > MAX_PKT_LENGTH) throw new ProtocolError(`pkt-line: packet length ${length} exceeds ${MAX_PKT_LENGTH}`);
    const size = length - 4;
    await this.#fill(size);
    if (this.#buffered < size) {
      throw new ProtocolError(`pkt-line: input ends inside a packet (${this.#buffered} of ${size} payload bytes)`);
    }
    return { type: 'data', payload: this.#take(size) };
  }

  async #fill(n: number): Promise<void> {
    while (this.#buffered < n && !this.#eof) {
      const next = await this.#source.next();
      if (next.done === true) {
        this.#eof = true;
      } else if (next.value.length > 0) {
        this.#chunks.push(next.value);
        this.#buffered += next.value.length;
      }
    }
  }

  // Caller guarantees n <= #buffered. A packet inside one chunk is returned as a view, no copy.
  #take(n: number): Buffer {
    const first = this.#chunks[this.#head] as Uint8Array;
    let out: Buffer;
    if (first.length - this.#offset >= n) {
      out = Buffer.from(first.buffer, first.byteOffset + this.#offset, n);
      this.#advance(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      while (filled < n) {
        const chunk = this.#chunks[this.#head] as Uint8Array;
        const count = Math.min(n - filled, chunk.length - this.#offset);
        out.set(chunk.subarray(this.#offset, this.#offset + count), filled);
        filled += count;
        this.#advance(count);
      }
    }
    this.#buffered -= n;
    return out;
  }

  #advance(count: number): void {
    this.#offset += count;
    if (this.#offset === (this.#chunks[this.#head] as Uint8Array).length) {
      this.#head++;
      this.#offset = 0;
      // Drop consumed chunks in bulk rather than shift() each one.
      if (this.#head === this.#chunks.length) {
        this.#chunks = [];
        this.#head = 0;
      } else if (this.#head >= 1024) {
        this.#chunks = this.#chunks.slice(this.#head);
        this.#head = 0;
      }
    }
  }
}
