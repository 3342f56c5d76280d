import type { Command } from '../command.js';
import { parseOptions, stringOption } from '../parse-options.js';
import { ErrorCode, LfsLazyError } from '../../errors/index.js';
import { openRepositoryContext } from '../../repository/context.js';
import { serve, urlFilePath } from '../../serve/lifecycle.js';

const usage = [
  'usage: lfs-lazy serve [--port N | --socket PATH] [--idle-exit SECONDS]',
  '',
  'A local HTTP/1.1 read server for training jobs in any language. GET or HEAD',
  '  /<path>         a file of the checked-out revision, as `lfs-lazy cat` reads it',
  '  /@<rev>/<path>  a file of any commit, branch or tag, without a checkout (a / in <rev> as %2F)',
  'with single Range requests (206, 416), Content-Length and ETag (the oid of an LFS file). Reading',
  'a range of an object that is not local is one S3 Range request; a whole read goes through the',
  'read cache. The working tree is never touched.',
  '',
  'It listens on 127.0.0.1 only, and every request must carry the random token it was started with,',
  'as `Authorization: Bearer <token>` or `?token=<token>`. Once listening it prints one line on',
  'stdout, the base URL with the token (http://127.0.0.1:<port>/?token=<token>), and keeps the same',
  'line in <git dir>/lfs-lazy/serve.url (mode 0600) until it stops. SIGTERM or SIGINT stops it.',
  '  --port N              TCP port on 127.0.0.1 (default: a free one)',
  '  --socket PATH         listen on a Unix socket (mode 0600) instead; the URL is http+unix://…',
  '  --idle-exit SECONDS   stop after that long without a request',
  'Details: docs/training.md.',
].join('\n');

export const command: Command = {
  summary: 'a local, token-protected HTTP read server (GET /<path>, /@<rev>/<path>, Range)',
  usage,
  async run(args, io) {
    const { values, positionals } = parseOptions(
      args,
      { port: { type: 'string' }, socket: { type: 'string' }, 'idle-exit': { type: 'string' } },
      usage,
    );
    if (positionals.length > 0) throw new LfsLazyError(`serve takes no paths\n${usage}`, { code: ErrorCode.BadRequest });
    const port = integerOption(stringOption(values, 'port'), '--port', 0, 65535);
    const socket = stringOption(values, 'socket');
    if (socket !== undefined && port !== undefined) throw new LfsLazyError('--port and --socket exclude each other', { code: ErrorCode.BadRequest });
    if (socket === '') throw new LfsLazyError('--socket needs a path', { code: ErrorCode.BadRequest });
    const idleExit = integerOption(stringOption(values, 'idle-exit'), '--idle-exit', 1, 7 * 24 * 3600);

    const ctx = await openRepositoryContext(io.cwd, { env: io.env, log: { name: 'lfs-lazy serve' } });
    try {
      const root = ctx.paths.worktree;
      if (root === undefined) throw new LfsLazyError('serve reads files from a working tree; this repository is bare', { code: ErrorCode.BadRequest });
      // A caller that stopped reading (EPIPE: it read the line and closed the pipe, or went away)
      // has not stopped the server, whose URL is also in the git dir for the user's processes.
      io.stdout.on('error', (err) => ctx.logger.warn({ err }, `serve: stdout is closed; the URL is in ${urlFilePath(ctx)}`));
      await serve(ctx, root, { ...(port !== undefined && { port }), ...(socket !== undefined && { socket }), idleExitMs: idleExit && idleExit * 1000 }, (line) =>
        io.stdout.write(`${line}\n`),
      );
    } finally {
      ctx.close();
    }
    return 0;
  },
};

function integerOption(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^[0-9]+$/.test(raw) || value < min || value > max) {
    throw new LfsLazyError(`${name} expects a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`, { code: ErrorCode.BadRequest });
  }
  return value;
}
