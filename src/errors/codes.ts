// The one table of error codes lfs-lazy puts on the wire (custom transfer `error.code`) and uses for
// exit codes. git-lfs never interprets the code, it prints `[code] message`, so HTTP-like numbers
// read best for the user.
export const ErrorCode = {
  BadRequest: 400,
  AccessDenied: 403,
  NotFound: 404,
  Integrity: 422,
  Internal: 500,
  Unavailable: 503,
  Config: 78,
  Protocol: 32,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];
