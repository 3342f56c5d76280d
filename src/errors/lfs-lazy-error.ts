import { ErrorCode, type ErrorCodeValue } from './codes.js';

export interface WireError {
  code: number;
  message: string;
}

// Base of every error lfs-lazy raises on purpose: one human sentence in `message`, a stable `code`,
// and the low-level cause kept for the log (never shown to the user unless it adds something).
export class LfsLazyError extends Error {
  readonly code: ErrorCodeValue;
  readonly retryable: boolean;

  constructor(message: string, options: { code?: ErrorCodeValue; cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? ErrorCode.Internal;
    this.retryable = options.retryable ?? false;
  }

  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}

export class ConfigError extends LfsLazyError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: ErrorCode.Config, cause });
  }
}

export class ProtocolError extends LfsLazyError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: ErrorCode.Protocol, cause });
  }
}

export class InvalidOidError extends LfsLazyError {
  constructor(oid: unknown) {
    super(`invalid oid ${JSON.stringify(String(oid).slice(0, 80))}: expected 64 lowercase hex characters`, {
      code: ErrorCode.BadRequest,
    });
  }
}

export class ObjectNotFoundError extends LfsLazyError {
  constructor(readonly oid: string, readonly location: string, cause?: unknown) {
    super(`object ${oid} is missing from ${location}; push it again from the clone where it was committed (a lazy clone does not have it): git lfs push --object-id origin ${oid}`, {
      code: ErrorCode.NotFound,
      cause,
    });
  }
}

export class IntegrityError extends LfsLazyError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: ErrorCode.Integrity, cause });
  }
}

export class AccessDeniedError extends LfsLazyError {
  constructor(message: string, cause?: unknown) {
    super(message, { code: ErrorCode.AccessDenied, cause });
  }
}

// A store's failure. A retryable one goes to git-lfs as 503 (the store already spent its retries on
// it); a permanent one never does: it carries the server's own 4xx status where there is one, else 502.
export class StorageError extends LfsLazyError {
  constructor(message: string, options: { cause?: unknown; retryable?: boolean; code?: ErrorCodeValue } = {}) {
    const retryable = options.retryable ?? true;
    super(message, { code: options.code ?? (retryable ? ErrorCode.Unavailable : ErrorCode.StoreFailed), cause: options.cause, retryable });
  }
}

// The one place an arbitrary thrown value becomes a wire error.
export function toWireError(err: unknown): WireError {
  if (err instanceof LfsLazyError) return err.toWire();
  if (err instanceof Error) return { code: ErrorCode.Internal, message: err.message || err.name };
  return { code: ErrorCode.Internal, message: 'internal error (no details)' };
}

// The message of anything thrown, for a line a user reads.
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Anything thrown, as an Error (the ones lfs-lazy and the libraries throw already are).
export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
