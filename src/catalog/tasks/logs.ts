import { z } from 'zod';

/** A day of logs: `YYYY-MM-DD`. */
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD');
/** A log file's id: its object is `logs/raw/<date>/<fileId>.jsonl` in the data bucket. */
const fileId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'letters, digits and ._-');
const logsKey = z.string().startsWith('logs/').max(400);

/** Payload of `logs.generate`: writes `files` sample JSON-lines log files for `date`. */
export const GenerateLogsArgs = z.object({
  date: day,
  files: z.number().int().min(1).max(100),
  linesPerFile: z.number().int().min(1).max(10_000).default(200),
  /** Same seed, same files: tests compute what the report must say. */
  seed: z.number().int().min(0).default(1),
});
export type GenerateLogsArgs = z.infer<typeof GenerateLogsArgs>;

/** Payload of `logs.process_file`: parse one raw file into its valid entries. */
export const ProcessLogFileArgs = z.object({ date: day, fileId });
export type ProcessLogFileArgs = z.infer<typeof ProcessLogFileArgs>;

/**
 * Payload of `logs.embed`: vectors for a parsed file's messages. Takes what
 * `logs.process_file` returns, so it follows it in a chain.
 */
export const EmbedLogsArgs = z.object({ date: day, fileId, parsedKey: logsKey });
export type EmbedLogsArgs = z.infer<typeof EmbedLogsArgs>;

/** What `logs.analyze` reads of each file: its parsed entries (and vectors, if embedded). */
const analyzedFile = z.object({ parsedKey: logsKey, embeddingsKey: logsKey.optional() });

/**
 * Payload of `logs.analyze`: a report over one file (after `logs.embed` in a chain: its
 * fields) or over every file of a day (a chord's callback: `results`).
 */
export const AnalyzeLogsArgs = z
  .object({
    date: day,
    parsedKey: logsKey.optional(),
    embeddingsKey: logsKey.optional(),
    results: z.array(analyzedFile).max(1000).optional(),
  })
  .refine((a) => a.parsedKey !== undefined || (a.results?.length ?? 0) > 0, {
    message: 'give a parsedKey (one file) or results (a chord of files)',
  });
export type AnalyzeLogsArgs = z.infer<typeof AnalyzeLogsArgs>;
