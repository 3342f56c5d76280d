// Where S3-compatible servers differ from AWS S3, and what the store does about it. Each is harmless
// against AWS S3 itself and each is needed by a real store, not only by s3rver (the emulator most
// tests run against), which is why they stay in product code; each names the behaviour it answers.
// Checked against Ceph's radosgw (test/contract/radosgw.test.ts). Gone since: removing a partial
// object after a broken PUT (only s3rver keeps one; radosgw, like S3, stores nothing, and the agent
// replaces a stored object of the wrong size anyway), and the retried-GET range rule, which is
// simply right for every store (s3-store.ts retryRange).
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../log/logger.js';

// 1. aws-chunked uploads. With the SDK's default checksums a streamed PutObject goes out as
// `Content-Encoding: aws-chunked` with a trailing checksum and no Content-Length. radosgw (Ceph
// 16) refuses it with 411 MissingContentLength (s3-errors.ts then names this setting); s3rver
// answers 200 and stores the chunk framing as the object's bytes (1,048,583 bytes in, 1,048,768
// stored, no error anywhere), as any server that does not decode aws-chunked may. Custom
// endpoints therefore get checksums only where the API requires them (plain `Content-Length`
// bodies); AWS S3 keeps the default. An explicit setting, or AWS_REQUEST_CHECKSUM_CALCULATION,
// always wins.
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
// the abort fails too, throws the abort's error instead of the one that made it abort: on AWS S3 a
// policy without s3:AbortMultipartUpload answers 403, s3rver always answers 405 (radosgw aborts;
// a second abort of the same upload meets 404 NoSuchUpload, s3-multipart.ts). The user needs the
// original cause; the parts left behind cost storage until a bucket lifecycle rule removes them,
// which the warning says.
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
