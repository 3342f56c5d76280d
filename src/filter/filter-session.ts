// `lfs-lazy filter-process`: one long-running filter session with git (gitattributes(5) "Long
// Running Filter Process"). Requests are answered strictly in order, each only after all of its
// content has been read; stdout carries pkt-line bytes only (logs go to the logger, user-facing
// lines to `report`, i.e. stderr).
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { messageOf, ProtocolError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import {
  type FilterCapability,
  type FilterRequest,
  discardContent,
  encodeAvailableBlobs,
  encodeEmptyTrailer,
  encodeFailureTrailer,
  encodeStatus,
  encodeSuccessWithContent,
  handshake,
  readRequestHeaders,
} from '../protocol/filter-protocol.js';
import { MAX_PKT_PAYLOAD, encodeContent } from '../protocol/pkt-line.js';
import { OrderedWriter } from '../transport/ordered-writer.js';
import { cleanContent, cleanHintAt } from './clean.js';
import { quotePath } from '../util/quote-path.js';
import { DelayedFetches } from './delayed-fetches.js';
import type { FilterContext } from './filter-context.js';
import { RequestContent, RequestReader } from './request-reader.js';
import { SetUpGate } from './set-up-gate.js';
import type { SmudgeResult } from './smudge.js';

export const DEFAULT_FETCH_CONCURRENCY = 8;
const SUPPORTED: readonly FilterCapability[] = ['clean', 'smudge', 'delay'];

export interface FilterSessionOptions {
  input: AsyncIterable<Uint8Array>;
  output: Writable;
  // May still be opening while the handshake runs; awaited by the first request.
  context: FilterContext | Promise<FilterContext>;
  logger: Logger;
  report: (line: string) => void;
  concurrency?: number;
  // Called once the handshake is done, to start work that must not delay it. git must not finish
  // a checkout (and run its post-checkout hook) before a returned promise settles: the first
  // answer waits for it, or, where git lets paths be delayed, the first path (set-up-gate.ts).
  onHandshake?: (capabilities: FilterCapability[]) => Promise<void> | void;
}

export interface FilterSessionSummary {
  capabilities: FilterCapability[];
  cleaned: number;
  smudged: number;
  // Delayed to be fetched; delayed only to wait for the rest of the checkout (not selected, or
  // held back while the handshake's work runs).
  delayed: number;
  waited: number;
  refused: number;
  // Requests answered status=error because serving them failed.
  errors: number;
  fetched: number;
  failed: number;
  maxConcurrentFetches: number;
}

interface Session {
  options: FilterSessionOptions;
  reader: RequestReader;
  writer: OrderedWriter;
  delayed: DelayedFetches<SmudgeResult> | undefined;
  summary: FilterSessionSummary;
  // The decision on the path held back by the set-up gate, made on its request: a path that shares
  // its object waits for it before it looks for that object's fetch.
  held?: Promise<unknown>;
}

// Returns at EOF between requests (git is done); throws when the stream is beyond repair.
export async function runFilterSession(options: FilterSessionOptions): Promise<FilterSessionSummary> {
  const reader = new RequestReader(options.input);
  // A failed write to git ends the session: nothing written after it could be read.
  const writer = new OrderedWriter(options.output, { onFailure: 'reject' });
  const capabilities = await handshake(reader, (bytes) => writer.write(bytes), SUPPORTED);
  const setUp = options.onHandshake?.(capabilities);
  const delayed = capabilities.includes('delay') ? new DelayedFetches<SmudgeResult>(options.concurrency ?? DEFAULT_FETCH_CONCURRENCY) : undefined;
  const counts = { cleaned: 0, smudged: 0, delayed: 0, waited: 0, refused: 0, errors: 0, fetched: 0, failed: 0 };
  const summary: FilterSessionSummary = { capabilities, ...counts, maxConcurrentFetches: 0 };
  const session: Session = { options, reader, writer, delayed, summary };
  const gate = new SetUpGate(setUp === undefined ? undefined : Promise.resolve(setUp), delayed !== undefined);

  for (;;) {
    let request: FilterRequest | undefined;
    try {
      request = await readRequestHeaders(reader);
    } catch (err) {
      if (!(err instanceof ProtocolError) || !reader.atListEnd) throw err;
      await refuse(session, err);
      continue;
    }
    if (request === undefined) break;
    const admission = gate.admit(request);
    if (admission === 'hold') {
      await holdUntilSetUp(session, request.pathname, gate.done!);
      continue;
    }
    if (admission === 'wait') await gate.done;
    if (request.command === 'list_available_blobs') {
      await writer.write(encodeAvailableBlobs(delayed ? await delayed.available() : []));
    } else if (request.command === 'clean') {
      await clean(session, request.pathname);
    } else {
      await smudge(session, request);
    }
  }
  await writer.flush();
  // A context that failed to open failed a request already, or was never needed.
  const smudger = (await Promise.resolve(options.context).catch(() => undefined))?.smudger;
  summary.fetched = smudger?.fetched ?? 0;
  summary.failed = smudger?.failed ?? 0;
  summary.maxConcurrentFetches = delayed?.maxConcurrent ?? 0;
  options.logger.debug(summary, 'filter session ended');
  return summary;
}

// The first path of a delayable checkout, answered once the handshake's work is done (set-up-gate.ts).
async function holdUntilSetUp(session: Session, pathname: string, setUp: Promise<void>): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of new RequestContent(session.reader)) chunks.push(chunk);
  const blob = Buffer.concat(chunks);
  // Decided now (a selected path registers the fetch of its object), delivered at the end.
  const smudger = Promise.resolve(session.options.context).then((context) => context.smudger);
  const decided = smudger.then((s) => s.decide(pathname, blob, { canWaitForCheckout: true }));
  session.held = decided.catch(() => undefined);
  session.delayed!.afterRequests(pathname, async () => {
    const decision = await decided;
    await setUp;
    return 'pointer' in decision ? (await smudger).fetch(decision) : decision;
  });
  session.summary.waited++;
  await session.writer.write(encodeStatus('delayed'));
}

// A request we cannot serve (unknown command, malformed header): status=error for it alone.
async function refuse(session: Session, err: ProtocolError): Promise<void> {
  session.summary.refused++;
  session.options.logger.warn({ err }, 'refusing a filter request');
  if (session.reader.lastListHadPathname) await discardContent(session.reader);
  await session.writer.write(encodeStatus('error'));
}

async function clean(session: Session, pathname: string): Promise<void> {
  const content = new RequestContent(session.reader);
  let pointer: Buffer;
  try {
    const context = await session.options.context;
    pointer = await cleanContent(content, context.local, cleanHintAt(context.paths.worktree, pathname));
  } catch (err) {
    await content.drain(); // rethrows when the stream itself broke
    return answerError(session, 'clean', pathname, err);
  }
  session.summary.cleaned++;
  await session.writer.write(...encodeSuccessWithContent(pointer));
}

async function smudge(session: Session, request: FilterRequest): Promise<void> {
  const { pathname } = request;
  // A pointer is small; a non-pointer blob is held as git itself holds it (git buffers both ways).
  // A stream that breaks here is beyond repair: that error ends the session.
  const chunks: Buffer[] = [];
  for await (const chunk of new RequestContent(session.reader)) chunks.push(chunk);
  const blob = Buffer.concat(chunks);

  // Whatever goes wrong from here on is this blob's alone: git gets status=error for it, never
  // silence (git waits for the answer: an escaped error would hang every checkout).
  let context: FilterContext;
  let result: SmudgeResult | 'delayed';
  try {
    context = await session.options.context;
    result = await smudgeResult(session, context, request, blob);
  } catch (err) {
    return answerError(session, 'smudge', pathname, err);
  }
  if (result === 'delayed') return session.writer.write(encodeStatus('delayed'));
  session.summary.smudged++;
  await sendResult(session, context, pathname, result);
}

async function smudgeResult(session: Session, context: FilterContext, request: FilterRequest, blob: Buffer): Promise<SmudgeResult | 'delayed'> {
  const { pathname } = request;
  const { smudger } = context;
  // Empty content for a path we delayed: git is collecting it after list_available_blobs.
  const ready = blob.length === 0 ? session.delayed?.take(pathname) : undefined;
  if (ready instanceof Error) throw ready;
  if (ready !== undefined) return ready;
  const canDelay = session.delayed !== undefined && request.canDelay;
  const decision = await smudger.decide(pathname, blob, { canWaitForCheckout: canDelay });
  if (!('pointer' in decision)) return decision;
  if (session.delayed && canDelay) {
    if (decision.follow) {
      // Not fetched: answered once git has asked for every path (content if a selected path fetched it).
      session.delayed.afterRequests(pathname, async () => {
        await session.held;
        return smudger.fetch(decision);
      });
      session.summary.waited++;
      session.options.logger.debug({ pathname, oid: decision.pointer.oid }, 'waiting for the checkout');
    } else {
      session.delayed.schedule(pathname, () => smudger.fetch(decision));
      session.summary.delayed++;
      session.options.logger.debug({ pathname, oid: decision.pointer.oid }, 'delayed');
    }
    return 'delayed';
  }
  return smudger.fetch(decision);
}

// One request that could not be served: status=error for it, one line for the user.
// The context may be what failed, so the name is quoted with git's default core.quotePath.
async function answerError(session: Session, command: 'clean' | 'smudge', pathname: string, err: unknown): Promise<void> {
  const shown = quotePath(pathname, true);
  session.summary.errors++;
  session.options.logger.debug({ err, pathname }, `${command} failed`);
  const message = messageOf(err).replace(/\s*[\r\n]+\s*/g, ' ');
  session.options.report(`lfs-lazy: cannot ${command} ${shown}: ${message}`);
  await session.writer.write(encodeStatus('error'));
}

async function sendResult(session: Session, context: FilterContext, pathname: string, result: SmudgeResult): Promise<void> {
  const { writer } = session;
  if ('bytes' in result) return writer.write(...encodeSuccessWithContent(result.bytes));
  let file;
  try {
    file = await open(result.objectPath, 'r');
  } catch (err) {
    context.smudger.reportUnreadable(pathname, result.pointerBytes, err);
    return writer.write(...encodeSuccessWithContent(result.pointerBytes));
  }
  await writer.write(encodeStatus('success'));
  try {
    // Reads of whole packets' worth, so no chunk leaves a short packet behind it.
    for await (const chunk of file.createReadStream({ highWaterMark: MAX_PKT_PAYLOAD * 16 }) as AsyncIterable<Buffer>) {
      await writer.write(...encodeContent(chunk));
    }
  } catch (err) {
    // Git drops the file on a trailing error (it buffers the output): nothing half-written.
    session.options.logger.debug({ err, pathname }, 'reading the local object failed mid-stream');
    session.options.report(`lfs-lazy: cannot read the object of ${context.show(pathname)}: ${(err as Error).message}`);
    return writer.write(encodeFailureTrailer('error'));
  }
  await writer.write(encodeEmptyTrailer());
}
