import { S3Client } from '@aws-sdk/client-s3';

/**
 * An S3 client that uses path-style addresses when an endpoint override is
 * set (emulators do not resolve `<bucket>.127.0.0.1`), virtual-hosted ones on AWS.
 */
export function s3Client(): S3Client {
  const endpoint = process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  return new S3Client({ forcePathStyle: Boolean(endpoint) });
}

/** JSON lines: one item per line, so a large backup can be read back as a stream. */
export function toJsonLines(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join('\n') + (items.length > 0 ? '\n' : '');
}

/** Object-key-safe form of a task id (beat ids contain ':'). */
export const keySafe = (id: string) => id.replace(/[^A-Za-z0-9._=-]/g, '_');
