// Where S3-compatible servers (and s3rver 3.7, the emulator the tests run against) differ from
// AWS S3, and what the store does about it. Each is harmless against AWS S3 itself, which is why
// they stay in product code rather than in the tests; each names the server behaviour it answers.
import { DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';

// 1. Stored aws-chunked framing. With the SDK's default checksums a streamed PutObject goes out as
// `Content-Encoding: aws-chunked` with a trailing checksum. s3rver answers 200 and stores the
// chunk framing as the object's bytes (1,048,583 bytes in, 1,048,768 stored, no error anywhere),
// and any server that does not decode aws-chunked may do the same. Custom endpoints therefore get
// checksums only where the API requires them (plain `Content-Length` bodies); AWS S3 keeps the
// default. An explicit setting, or AWS_REQUEST_CHECKSUM_CALCULATION, always wins.
export function checksumMode(
  option: 'when_required' | 'when_supported' | undefined,
  customEndpoint: boolean,
  chosenInEnvironment: boolean,
): 'WHEN_REQUIRED' | 'WHEN_SUPPORTED' | undefined {
  if (option) return option === 'when_required' ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
  // An explicit AWS_REQUEST_CHECKSUM_CALCULATION (seen by the settings) is the user's choice: let the SDK read it.
  if (chosenInEnvironment) return undefined;
  return customEndpoint ? 'WHEN_REQUIRED' : 'WHEN_SUPPORTED';
}

// 2. A failed abort hiding the failure. lib-storage aborts a failed multipart upload and, when
// the abort fails too, throws the abort's error instead of the one that made it abort: s3rver
// answers AbortMultipartUpload with 405 (on AWS S3 a policy without s3:AbortMultipartUpload does
// the same with 403). The user needs the original cause; the parts left behind cost storage until
// a bucket lifecycle rule removes them, which the warning says.
export function keepOriginalErrorOnAbort(client: S3Client, logger: Logger | undefined): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'AbortMultipartUploadCommand') return next(args);
      try {
        return await next(args);
      } catch (err) {
        const { Key, UploadId } = args.input as { Key?: string; UploadId?: string };
        logger?.warn({ err: (err as Error).message, key: Key, uploadId: UploadId }, 'could not abort a failed multipart upload; its parts stay until a bucket lifecycle rule removes them');
        return { output: { $metadata: {} }, response: undefined };
      }
    },
    { step: 'initialize', name: 'lfsLazyKeepOriginalErrorOnAbort' },
  );
}

// 3. A partial object after a broken PUT. s3rver keeps the part of a PUT body that arrived before
// the connection broke, under the final key; AWS S3 stores an object only once it arrived whole.
// A wrong-sized object is never valid, so it is removed; a complete one (another writer's) is left
// alone. Against AWS S3 this costs one HEAD (a 404) after a PUT that failed for good. Best effort:
// the next upload replaces a leftover anyway.
export async function removePartialObject(client: S3Client, where: { Bucket: string; Key: string }, size: number, logger: Logger | undefined, oid: string): Promise<void> {
  try {
    const head = await client.send(new HeadObjectCommand(where));
    if (head.ContentLength === size) return;
    await client.send(new DeleteObjectCommand(where));
    logger?.warn({ oid, storedSize: head.ContentLength, size }, 'removed a partial object left by a failed upload');
  } catch {
    // Absent (404) is the normal case; anything else leaves it for the next upload to replace.
  }
}

// 4. Ranges. s3rver gets suffix ranges, `bytes=0-0` and any Range on an empty object wrong (the
// last one with a body that breaks the connection). A GET retried before its first byte arrived
// (`from` undefined) therefore repeats the caller's request exactly, instead of asking for a
// `bytes=<start>-` the caller never sent; only a resume after some bytes asks for a range of its own.
export function retryRange(callerRange: string | undefined, from: number | undefined, end: number | undefined): string | undefined {
  return from === undefined ? callerRange : `bytes=${from}-${end ?? ''}`;
}
