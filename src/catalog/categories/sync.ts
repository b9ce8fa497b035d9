import { category, task } from '../define.js';
import { ArchiveArgs, BackupArgs, CleanupArgs } from '../tasks/sync.js';

/** The `sync` category of the catalog (see `../catalog.ts`): backups, archives and their clean-up in S3. */
export const sync = category({
  timeoutSeconds: 300,
  memoryMb: 512,
  batchSize: 1,
  tasks: {
    'sync.backup': task({
      schema: BackupArgs,
      tier: 'low',
      description: 'Copy a table to S3 as JSON lines',
    }),
    'sync.cleanup': task({
      schema: CleanupArgs,
      tier: 'low',
      description: 'Delete backups or archives older than a cut-off',
    }),
    'sync.archive': task({
      schema: ArchiveArgs,
      tier: 'low',
      description: 'Move closed orders older than a cut-off to S3',
    }),
  },
});
