import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const LABELS = ['speech', 'music', 'noise', 'silence', 'laughter', 'applause'];

// A deterministic JSON label map of the shape our users commit: {"clip_000001": {"label": …,
// "speaker": …}, …}. Deterministic so that the same call always yields the same oid.
export async function writeLabelMap(path: string, entries: number, seed = 1): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = async (chunk: string): Promise<void> => {
    bytes += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write('{\n');
  let batch = '';
  for (let i = 1; i <= entries; i++) {
    const label = LABELS[(i * 7 + seed) % LABELS.length];
    const speaker = (i * 31 + seed * 17) % 500;
    batch += `  "clip_${String(i).padStart(7, '0')}": {"label": "${label}", "speaker": ${speaker}}${i < entries ? ',' : ''}\n`;
    if (batch.length > 1 << 16) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch + '}\n');
  out.end();
  await once(out, 'finish');
  return bytes;
}
