import type { CommandIO } from './command.js';

// The rest of a session, once `init` is answered: main.ts's runAgentSession, from wherever the
// caller has it (its modules, or the CLI's bundle).
type AgentSession = (io: CommandIO, input: AsyncIterable<Buffer>, initLine: string | undefined) => Promise<number>;

// Reads stdin up to the first line. When it is git-lfs's `init`, answers `{}` at once — before the
// logger, the config or the AWS SDK are loaded — and hands the session to the agent with the rest
// of the input. Anything else goes to the agent untouched, which answers it as the protocol says.
async function startAgent(io: CommandIO, session: AgentSession): Promise<number> {
  const chunks: Buffer[] = [];
  const iterator = (io.stdin as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  let initLine: string | undefined;
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
    const newline = next.value.indexOf(0x0a);
    if (newline < 0) continue;
    const buffered = Buffer.concat(chunks);
    const end = buffered.indexOf(0x0a);
    const line = buffered.subarray(0, end).toString('utf8');
    if (isInit(line)) {
      initLine = line;
      io.stdout.write('{}\n');
      chunks.splice(0, chunks.length, buffered.subarray(end + 1));
    }
    break;
  }
  const rest: AsyncIterable<Buffer> = {
    async *[Symbol.asyncIterator]() {
      yield* chunks;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    },
  };
  return session(io, rest, initLine);
}

function isInit(line: string): boolean {
  try {
    const message = JSON.parse(line) as Record<string, unknown>;
    return message['event'] === 'init' && (message['operation'] === 'upload' || message['operation'] === 'download');
  } catch {
    return false;
  }
}

export = { startAgent };
