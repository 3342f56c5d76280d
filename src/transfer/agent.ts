import { stat } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { ErrorCode, IntegrityError, LfsLazyError, ProtocolError, toWireError, type WireError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import {
  decodeRequest,
  encodeResponse,
  MalformedRequestError,
  type InitRequest,
  type Request,
  type Response,
  type TransferRequest,
  type UploadRequest,
} from '../protocol/transfer-messages.js';
import type { ObjectStore } from '../store/object-store.js';
import { readLines } from '../transport/json-lines.js';
import { OrderedWriter } from '../transport/ordered-writer.js';
import { downloadVerified } from '../local/verified-download.js';
import { ProgressReporter } from './progress.js';

export interface AgentOptions {
  input: AsyncIterable<Buffer | string>;
  output: Writable;
  // Called on the first transfer, never before `init` is answered: git-lfs starts its workers one
  // after another, each waiting for the previous one's init reply.
  openStore: () => Promise<ObjectStore>;
  // Where downloads are written: on the filesystem of .git/lfs/objects, as git-lfs only renames.
  tempDirFor: () => Promise<string>;
  logger: Logger;
  // An init the caller has already answered (the CLI replies before loading this module).
  answeredInit?: InitRequest;
}

const DOCTOR_HINT = 'run `lfs-lazy doctor` to check the configuration, the credentials and the bucket';

// Serves one git-lfs worker: requests are handled strictly in order, one at a time (git-lfs sends
// the next only after our `complete`). Per-object failures become `complete` errors; the agent
// returns on `terminate` or end of input.
export async function runAgent(options: AgentOptions): Promise<void> {
  const { logger } = options;
  // git-lfs closing our stdout (EPIPE) means it wants no more answers: stop writing, never crash.
  const writer = new OrderedWriter(options.output, { onFailure: 'stop-quietly', logger });
  const send = (message: Response): Promise<void> => writer.write(encodeResponse(message));
  let init: InitRequest | undefined = options.answeredInit;
  let store: Promise<ObjectStore> | undefined;
  const session: Session = { options, send, openStore: () => (store ??= options.openStore()) };

  try {
    for await (const item of readLines(options.input)) {
      if ('error' in item) {
        // git-lfs waits for the `complete` of every oid it sent: answer one if the line named it.
        const oid = oidIn(item.head);
        logger.warn({ err: item.error, oid }, 'ignoring an unreadable input line');
        if (oid !== undefined) await send({ event: 'complete', oid, error: item.error.toWire() });
        continue;
      }
      let request: Request;
      try {
        request = decodeRequest(item.line);
      } catch (err) {
        await answerMalformed(session, err);
        continue;
      }
      logger.debug({ event: request.event, oid: 'oid' in request ? request.oid : undefined }, 'request');
      if (request.event === 'terminate') return;
      if (request.event === 'init') {
        if (init) {
          await send({ error: new ProtocolError(`init received twice (first for ${init.operation}); a worker is initialised once`).toWire() });
        } else {
          init = request;
          await send({});
        }
      } else if (!init) {
        await send(completeError(request, new ProtocolError(`${request.event} of ${request.oid} received before init; git-lfs always sends init first`)));
      } else {
        await transfer(session, request);
      }
    }
  } finally {
    await writer.flush();
    if (store) (await store.catch(() => undefined))?.close();
  }
}

// The "oid" of a request line too long to decode, from its first bytes.
function oidIn(head: string): string | undefined {
  const match = /"oid"\s*:\s*("(?:[^"\\]|\\.){1,200}")/.exec(head);
  try {
    return match ? (JSON.parse(match[1]!) as string) : undefined;
  } catch {
    return undefined;
  }
}

interface Session {
  options: AgentOptions;
  send: (message: Response) => Promise<void>;
  openStore: () => Promise<ObjectStore>;
}

async function answerMalformed({ options, send }: Session, err: unknown): Promise<void> {
  const oid = err instanceof MalformedRequestError ? err.oid : undefined;
  options.logger.warn({ err, oid }, 'malformed request');
  // Without an oid there is nothing git-lfs could match an answer to.
  if (oid !== undefined) await send({ event: 'complete', oid, error: toWireError(err) });
}

async function transfer(session: Session, request: TransferRequest): Promise<void> {
  const { options, send } = session;
  const { oid } = request;
  const progress = new ProgressReporter({
    size: request.size,
    emit: (bytesSoFar, bytesSinceLast) => void send({ event: 'progress', oid, bytesSoFar, bytesSinceLast }),
  });
  let store: ObjectStore | undefined;
  try {
    store = await session.openStore();
    let path: string | undefined;
    if (request.event === 'upload') {
      await upload(store, request, progress, options);
    } else {
      path = await downloadVerified({
        store,
        oid,
        size: request.size,
        tempDir: await options.tempDirFor(),
        onProgress: (bytes) => progress.update(bytes),
      });
    }
    progress.finish();
    await send(path === undefined ? { event: 'complete', oid } : { event: 'complete', oid, path });
  } catch (err) {
    progress.stop();
    options.logger.warn({ err, oid, event: request.event }, 'transfer failed');
    await send(completeError(request, err, store?.locate(oid)));
  }
}

// The store retries its own transient failures (with backoff, inside this process: git-lfs never
// retries an agent's error); what reaches here is final.
async function upload(store: ObjectStore, request: UploadRequest, progress: ProgressReporter, { logger }: AgentOptions): Promise<void> {
  const { oid, size, path } = request;
  await checkLocalObject(request);
  // Standalone git-lfs never asks whether the bucket already has an object (`git lfs push --all`
  // re-sends everything), so skipping existing ones is on us.
  const existing = await store.stat(oid);
  if (existing?.size === size) {
    logger.debug({ oid }, 'already stored; skipping the upload');
    progress.update(size);
    return;
  }
  if (existing) logger.warn({ oid, storedSize: existing.size, size }, 'stored object has the wrong size; replacing it');
  await store.put(oid, size, path, { onProgress: (bytes) => progress.update(bytes) });
}

async function checkLocalObject({ oid, size, path }: UploadRequest): Promise<void> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new LfsLazyError(`local object ${oid} cannot be read at ${path} (${err.code ?? err.message}); fetch it again (git lfs fetch), or push from the clone that has it`, {
      code: ErrorCode.NotFound,
      cause: err,
    });
  });
  if (!info.isFile() || info.size !== size) {
    throw new IntegrityError(
      `local object ${oid} at ${path} has ${info.size} bytes, expected ${size}; it is corrupt: remove it and fetch it again (git lfs fetch) before pushing`,
    );
  }
}

// Messages must stand alone in git's output ("error transferring <oid>: [code] message"), so one
// that does not name the object gets the operation, oid and location in front.
function completeError(request: TransferRequest, err: unknown, location?: string): Response {
  const wire: WireError = toWireError(err);
  let message = wire.message;
  if (!message.includes(request.oid)) {
    const where = location ?? 'the object store';
    message = `${request.event} of ${request.oid} ${request.event === 'upload' ? 'to' : 'from'} ${where} failed: ${message}`;
  }
  // Our own errors say what to do; anything else gets the generic next step.
  if (!(err instanceof LfsLazyError)) message = `${message}; ${DOCTOR_HINT}`;
  return { event: 'complete', oid: request.oid, error: { code: wire.code, message } };
}
