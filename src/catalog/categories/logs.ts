import { category, task } from '../define.js';
import {
  AnalyzeLogsArgs,
  EmbedLogsArgs,
  GenerateLogsArgs,
  ProcessLogFileArgs,
} from '../tasks/logs.js';

/**
 * The `logs` category of the catalog (see `../catalog.ts`): the log-analytics pipeline, run
 * as a chain per file, a group over files and a chord for the day's report.
 */
export const logs = category({
  timeoutSeconds: 60,
  memoryMb: 512,
  tasks: {
    'logs.generate': task({
      schema: GenerateLogsArgs,
      tier: 'low',
      description: 'Write sample JSON-lines log files for a day (demo and tests)',
    }),
    'logs.process_file': task({
      schema: ProcessLogFileArgs,
      description: 'Parse one JSON-lines log file from the data bucket',
    }),
    'logs.embed': task({
      schema: EmbedLogsArgs,
      description: "Feature-hashing vectors for a parsed file's messages",
    }),
    'logs.analyze': task({
      schema: AnalyzeLogsArgs,
      description: 'Levels, sources and error rates of one file or a day, as a report in S3',
    }),
  },
});
