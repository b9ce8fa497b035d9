import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { CleanupArgs } from '../../src/catalog/index.js';
import { BUCKET_PREFIXES } from '../../src/protocol/workload.js';
import type { TaskContext } from '../../src/runtime/index.js';

export interface CleanupResult {
  readonly prefix: string;
  readonly deleted: number;
  readonly kept: number;
}

/** Keys last modified before `cutoff`. */
export function expiredKeys(
  objects: readonly { Key?: string; LastModified?: Date }[],
  cutoff: Date,
): string[] {
  return objects
    .filter((o) => o.Key && o.LastModified && o.LastModified.getTime() < cutoff.getTime())
    .map((o) => o.Key as string);
}

/**
 * `sync.cleanup`: deletes objects under `sync/<prefix>/` last modified more
 * than `olderThanDays` ago (the bucket's lifecycle rule then expires the
 * old versions).
 */
export async function cleanup(
  s3: S3Client,
  bucket: string,
  args: CleanupArgs,
  ctx: Pick<TaskContext, 'signal'>,
  now = new Date(),
): Promise<CleanupResult> {
  const prefix = `${BUCKET_PREFIXES.sync}${args.prefix}/`;
  const cutoff = new Date(now.getTime() - args.olderThanDays * 86_400_000);
  let deleted = 0;
  let kept = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      { abortSignal: ctx.signal },
    );
    const expired = expiredKeys(page.Contents ?? [], cutoff);
    kept += (page.Contents ?? []).length - expired.length;
    if (expired.length > 0) {
      const out = await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: expired.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      if (out.Errors && out.Errors.length > 0) {
        throw new Error(
          `S3 refused to delete ${out.Errors.length} object(s), e.g. ${out.Errors[0]?.Key}: ${out.Errors[0]?.Code}`,
        );
      }
      deleted += expired.length;
    }
    token = page.NextContinuationToken;
  } while (token);
  return { prefix, deleted, kept };
}
