import * as z from 'zod';

/** Tables `sync.backup` can copy to S3. */
export const BACKUP_SOURCES = ['tasks', 'data', 'ledger'] as const;

/** Payload of `sync.backup`: a table, as JSON lines, to the data bucket. */
export const BackupArgs = z.object({
  source: z.enum(BACKUP_SOURCES),
});
export type BackupArgs = z.infer<typeof BackupArgs>;

/** Payload of `sync.cleanup`: delete objects under a sync prefix older than a cut-off. */
export const CleanupArgs = z.object({
  prefix: z.enum(['backups', 'archive']).default('backups'),
  olderThanDays: z.number().int().min(0).max(3650).default(30),
});
export type CleanupArgs = z.infer<typeof CleanupArgs>;

/** Payload of `sync.archive`: move closed orders older than a cut-off to S3 and delete them. */
export const ArchiveArgs = z.object({
  olderThanDays: z.number().int().min(0).max(3650).default(90),
  limit: z.number().int().min(1).max(5000).default(1000),
});
export type ArchiveArgs = z.infer<typeof ArchiveArgs>;
