// A streaming reader of JSON label maps: one top-level object `{"key": value, …}`, read chunk by
// chunk, yielding each member as (key, raw key text, raw value text) without ever parsing or holding
// the whole document. The tokenizer only delimits values (strings, brackets, scalars); each raw
// value is validated by whoever canonicalises it (canonical-value.ts), so together they accept
// exactly RFC 8259 JSON. Pure: text in, members out. One unit, over the usual length: the states
// of one push parser, which read only together.
import { ErrorCode, LfsLazyError } from '../errors/index.js';
import { isJsonSpace } from './json-whitespace.js';

// The input is not a label map (not JSON, or not one top-level object): the user's data, not a bug.
export class LabelMapFormatError extends LfsLazyError {
  constructor(message: string) {
    super(message, { code: ErrorCode.BadRequest });
  }
}

export interface LabelMapMember {
  // The decoded key.
  key: string;
  // The key exactly as written, quotes included ("caf\u00e9" stays escaped).
  rawKey: string;
  // The value exactly as written, without surrounding whitespace.
  raw: string;
}

export type MemberSink = (key: string, rawKey: string, raw: string) => void;

const enum State {
  Start,
  FirstKeyOrEnd,
  Key,
  Colon,
  ValueStart,
  ValueString,
  ValueNested,
  NestedString,
  ValueScalar,
  AfterValue,
  NextKey,
  Done,
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
// A scalar (number, true, false, null) ends at whitespace or at the structural character after it.
const endsScalar = (c: number): boolean => isJsonSpace(c) || c === 0x2c || c === 0x7d || c === 0x5d || c === 0x3a;
const CONTROL_RE = /[\u0000-\u001f]/;

function describeChar(c: number | undefined): string {
  if (c === undefined) return 'end of input';
  return JSON.stringify(String.fromCharCode(c));
}

// Push parser: feed it text with write(), then call end(). Each complete member goes to `sink`
// synchronously, in document order.
export class LabelMapTokenizer {
  private state = State.Start;
  private consumed = 0; // characters of earlier chunks, for error positions
  private parts: string[] = []; // the current key's or value's text from earlier chunks
  private rawKey = '';
  private key = '';
  private depth = 0;
  private escaped = false; // the previous chunk ended inside a string right after a backslash
  private members = 0;

  constructor(private readonly sink: MemberSink) {}

  get count(): number {
    return this.members;
  }

  write(text: string): void {
    const n = text.length;
    let i = 0;
    // Where the token being read (key or value) starts in this chunk.
    let start = 0;
    while (i < n) {
      switch (this.state) {
        case State.Start: {
          const c = text.charCodeAt(i);
          if (isJsonSpace(c)) i++;
          else if (c === 0x7b) {
            this.state = State.FirstKeyOrEnd;
            i++;
          } else throw this.error(`a label map must be a JSON object, found ${describeChar(c)}`, i);
          break;
        }
        case State.FirstKeyOrEnd:
        case State.NextKey: {
          const c = text.charCodeAt(i);
          if (isJsonSpace(c)) i++;
          else if (c === QUOTE) {
            this.state = State.Key;
            start = i;
            i++;
          } else if (c === 0x7d && this.state === State.FirstKeyOrEnd) {
            this.state = State.Done;
            i++;
          } else throw this.error(`expected a key, found ${describeChar(c)}`, i);
          break;
        }
        case State.Key:
        case State.ValueString:
        case State.NestedString: {
          const close = this.scanString(text, i);
          if (close < 0) {
            i = n;
            break;
          }
          i = close + 1;
          if (this.state === State.Key) {
            const raw = this.take(text, start, i);
            this.rawKey = raw;
            const key = decodeKey(raw);
            if (key === undefined) throw this.error(`invalid key ${raw.slice(0, 80)}`, i);
            this.key = key;
            this.state = State.Colon;
          } else if (this.state === State.ValueString) {
            this.emit(this.take(text, start, i));
          } else {
            this.state = State.ValueNested;
          }
          break;
        }
        case State.Colon: {
          const c = text.charCodeAt(i);
          if (isJsonSpace(c)) i++;
          else if (c === 0x3a) {
            this.state = State.ValueStart;
            i++;
          } else throw this.error(`expected ":" after key ${this.rawKey.slice(0, 80)}, found ${describeChar(c)}`, i);
          break;
        }
        case State.ValueStart: {
          const c = text.charCodeAt(i);
          if (isJsonSpace(c)) {
            i++;
            break;
          }
          start = i;
          i++;
          if (c === QUOTE) this.state = State.ValueString;
          else if (c === 0x7b || c === 0x5b) {
            this.state = State.ValueNested;
            this.depth = 1;
          } else if (c === 0x7d || c === 0x5d || c === 0x2c || c === 0x3a) {
            throw this.error(`expected a value for key ${this.rawKey.slice(0, 80)}, found ${describeChar(c)}`, i - 1);
          } else this.state = State.ValueScalar;
          break;
        }
        case State.ValueNested: {
          // Only brackets and quotes matter here; the canonicaliser checks the rest.
          for (; i < n; i++) {
            const c = text.charCodeAt(i);
            if (c === QUOTE) {
              this.state = State.NestedString;
              i++;
              break;
            }
            if (c === 0x7b || c === 0x5b) this.depth++;
            else if (c === 0x7d || c === 0x5d) {
              if (--this.depth === 0) {
                i++;
                this.emit(this.take(text, start, i));
                break;
              }
            }
          }
          break;
        }
        case State.ValueScalar: {
          while (i < n && !endsScalar(text.charCodeAt(i))) i++;
          if (i < n) this.emit(this.take(text, start, i));
          break;
        }
        case State.AfterValue: {
          const c = text.charCodeAt(i);
          if (isJsonSpace(c)) i++;
          else if (c === 0x2c) {
            this.state = State.NextKey;
            i++;
          } else if (c === 0x7d) {
            this.state = State.Done;
            i++;
          } else throw this.error(`expected "," or "}" after the value of key ${this.rawKey.slice(0, 80)}, found ${describeChar(c)}`, i);
          break;
        }
        case State.Done: {
          const c = text.charCodeAt(i);
          if (isJsonSpace(c)) i++;
          else throw this.error(`unexpected ${describeChar(c)} after the end of the object`, i);
          break;
        }
      }
    }
    // Keep the unfinished token for the next chunk.
    if (this.state === State.Key || this.state === State.ValueString || this.state === State.ValueNested || this.state === State.NestedString || this.state === State.ValueScalar) {
      if (start < n) this.parts.push(text.slice(start));
    }
    this.consumed += n;
  }

  end(): void {
    if (this.state === State.Start) throw this.error('empty input: a label map must be a JSON object', 0);
    if (this.state !== State.Done) throw this.error('unexpected end of input inside the object', 0);
  }

  // Index of the closing quote of the string being read, or -1 when this chunk ends first.
  private scanString(text: string, from: number): number {
    let i = from;
    if (this.escaped) {
      this.escaped = false;
      i++;
    }
    const n = text.length;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) return i;
      if (c === BACKSLASH) {
        if (i + 1 >= n) {
          this.escaped = true;
          return -1;
        }
        i++;
      }
    }
    return -1;
  }

  private take(text: string, start: number, end: number): string {
    const tail = text.slice(start, end);
    if (this.parts.length === 0) return tail;
    this.parts.push(tail);
    const whole = this.parts.join('');
    this.parts = [];
    return whole;
  }

  private emit(raw: string): void {
    this.state = State.AfterValue;
    this.members++;
    this.sink(this.key, this.rawKey, raw);
  }

  private error(message: string, index: number): LabelMapFormatError {
    return new LabelMapFormatError(`${message} (at character ${this.consumed + index})`);
  }
}

// The decoded key, or undefined when the string is not valid JSON.
function decodeKey(raw: string): string | undefined {
  const inner = raw.slice(1, -1);
  if (inner.indexOf('\\') < 0 && !CONTROL_RE.test(inner)) return inner;
  try {
    return JSON.parse(raw) as string;
  } catch {
    return undefined;
  }
}

// Decodes UTF-8 chunks (rejecting invalid sequences; a BOM is dropped) into the tokenizer and
// yields the members in batches, one batch per input chunk: per-member promises would cost more
// than the parsing.
export async function* readLabelMap(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<LabelMapMember[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let batch: LabelMapMember[] = [];
  const tokenizer = new LabelMapTokenizer((key, rawKey, raw) => batch.push({ key, rawKey, raw }));
  const decode = (chunk: Uint8Array | string, stream: boolean): string => {
    if (typeof chunk === 'string') return chunk;
    try {
      return decoder.decode(chunk, { stream });
    } catch (err) {
      throw new LabelMapFormatError(`not valid UTF-8 text (${(err as Error).message})`);
    }
  };
  for await (const chunk of source) {
    tokenizer.write(decode(chunk, true));
    if (batch.length > 0) {
      yield batch;
      batch = [];
    }
  }
  tokenizer.write(decode(new Uint8Array(0), false));
  tokenizer.end();
  if (batch.length > 0) yield batch;
}
