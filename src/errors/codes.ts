// The one table of error codes lfs-lazy puts on the wire (custom transfer `error.code`) and uses for
// exit codes. git-lfs never interprets the code, it prints `[code] message`, so HTTP-like numbers
// read best for the user.
export const ErrorCode = {
  BadRequest: 400,
  AccessDenied: 403,
  NotFound: 404,
  // The store refused the request for good, as it was sent (411 MissingContentLength).
  LengthRequired: 411,
  // A byte range that starts at or past the object's end (every range on an empty object).
  RangeNotSatisfiable: 416,
  Integrity: 422,
  Internal: 500,
  // The store failed in a way worth trying again; also what the store gave up on after its retries.
  Unavailable: 503,
  // The store failed for good and no HTTP status says more: a wrong endpoint, a refused certificate.
  StoreFailed: 502,
  Config: 78,
  Protocol: 32,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];
