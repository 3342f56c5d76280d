// How files are read for sending (serve, cat, the batch modes): in pieces of 1 MiB. Each piece is a
// thread-pool round trip and a write to the reader's socket, and with node's default of 64 KiB
// sending 1 GiB to a local client cost twice the CPU (measured: `npm run bench`, row 7h's notes).
export const LARGE_READ_CHUNK = 1024 * 1024;

// The piece size for a read of `length` bytes without an end given to the stream: node's ReadStream
// allocates a whole piece for each read, however small the file (64 KiB is its default).
export const readPieceFor = (length: number): number => Math.min(LARGE_READ_CHUNK, Math.max(length, 64 * 1024));
