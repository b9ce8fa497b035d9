import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type {
  AnalyzeLogsArgs,
  EmbedLogsArgs,
  GenerateLogsArgs,
  ProcessLogFileArgs,
} from '../../src/catalog/index.js';
import { UnrecoverableError } from '../../src/runtime/index.js';
import { seededRandom } from '../../src/seeded-random.js';
import { toJsonLines } from '../shared/s3.js';

/** Where the log pipeline reads and writes. */
export interface LogStores {
  readonly s3: S3Client;
  readonly bucket: string;
}

export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

/** One valid log line. */
export interface LogEntry {
  readonly ts: string;
  readonly level: Level;
  readonly source: string;
  readonly message: string;
}

/** Dimensions of a message vector (feature hashing). */
export const EMBEDDING_DIMENSIONS = 64;

export const rawKey = (date: string, fileId: string) => `logs/raw/${date}/${fileId}.jsonl`;
const parsedKeyOf = (date: string, fileId: string) => `logs/parsed/${date}/${fileId}.jsonl`;
const embeddingsKeyOf = (date: string, fileId: string) => `logs/embeddings/${date}/${fileId}.json`;

async function read(stores: LogStores, key: string): Promise<string> {
  try {
    const out = await stores.s3.send(new GetObjectCommand({ Bucket: stores.bucket, Key: key }));
    return (await out.Body?.transformToString()) ?? '';
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') {
      throw new UnrecoverableError(`no object '${key}' in the data bucket`);
    }
    throw error;
  }
}

async function write(stores: LogStores, key: string, body: string, type: string): Promise<void> {
  await stores.s3.send(
    new PutObjectCommand({ Bucket: stores.bucket, Key: key, Body: body, ContentType: type }),
  );
}

const SOURCES = ['api', 'worker', 'db', 'auth', 'billing'];
const WORDS = ['user', 'request', 'timeout', 'retry', 'cache', 'login', 'payment', 'queue', 'disk'];

/**
 * `logs.generate`: `files` JSON-lines files of `linesPerFile` lines for `date`, every 50th
 * line not JSON (as real logs have), from `seed`. Returns the file ids.
 */
export async function generate(
  stores: LogStores,
  args: GenerateLogsArgs,
): Promise<{ date: string; fileIds: string[]; lines: number }> {
  const next = seededRandom(args.seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)] as T;
  const fileIds: string[] = [];
  for (let f = 0; f < args.files; f++) {
    const fileId = `file-${args.seed}-${f}`;
    const lines: string[] = [];
    for (let i = 0; i < args.linesPerFile; i++) {
      if (i % 50 === 49) {
        lines.push(`garbled line ${i}`);
        continue;
      }
      const r = next();
      const level: Level = r < 0.1 ? 'error' : r < 0.25 ? 'warn' : r < 0.4 ? 'debug' : 'info';
      const ts = new Date(Date.parse(`${args.date}T00:00:00Z`) + i * 1000).toISOString();
      const message = `${pick(WORDS)} ${pick(WORDS)} ${Math.floor(next() * 1000)}`;
      lines.push(JSON.stringify({ ts, level, source: pick(SOURCES), message }));
    }
    await write(stores, rawKey(args.date, fileId), `${lines.join('\n')}\n`, 'application/x-ndjson');
    fileIds.push(fileId);
  }
  return { date: args.date, fileIds, lines: args.files * args.linesPerFile };
}

/** A line as a LogEntry, or undefined when it is not one. */
export function parseLine(line: string): LogEntry | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { ts, level, source, message } = value as Record<string, unknown>;
  if (typeof ts !== 'string' || Number.isNaN(Date.parse(ts))) return undefined;
  if (!LEVELS.includes(level as Level)) return undefined;
  if (typeof source !== 'string' || typeof message !== 'string') return undefined;
  return { ts, level: level as Level, source, message };
}

/** `logs.process_file`: the raw file's valid entries, written as JSON lines; counts of both. */
export async function processFile(
  stores: LogStores,
  args: ProcessLogFileArgs,
): Promise<{ date: string; fileId: string; parsedKey: string; lines: number; invalid: number }> {
  const text = await read(stores, rawKey(args.date, args.fileId));
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const entries = lines.map(parseLine).filter((e): e is LogEntry => e !== undefined);
  const parsedKey = parsedKeyOf(args.date, args.fileId);
  await write(stores, parsedKey, toJsonLines(entries), 'application/x-ndjson');
  return {
    date: args.date,
    fileId: args.fileId,
    parsedKey,
    lines: entries.length,
    invalid: lines.length - entries.length,
  };
}

/**
 * A message's vector by feature hashing: each lower-cased token adds ±1 at the index its
 * SHA-256 picks, and the vector is scaled to unit length. No model, same text same vector.
 */
export function embedText(text: string, dimensions = EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  for (const token of text.toLowerCase().match(/[a-z0-9]+/g) ?? []) {
    const hash = createHash('sha256').update(token).digest();
    const index = hash.readUInt32BE(0) % dimensions;
    vector[index] = (vector[index] as number) + ((hash[4] as number) & 1 ? 1 : -1);
  }
  const norm = Math.hypot(...vector);
  return norm === 0 ? vector : vector.map((v) => Number((v / norm).toFixed(6)));
}

const entriesOf = (text: string): LogEntry[] =>
  text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as LogEntry);

/** `logs.embed`: a vector per parsed message, written beside the parsed file. */
export async function embed(
  stores: LogStores,
  args: EmbedLogsArgs,
): Promise<{
  date: string;
  fileId: string;
  parsedKey: string;
  embeddingsKey: string;
  vectors: number;
}> {
  const entries = entriesOf(await read(stores, args.parsedKey));
  const vectors = entries.map((e) => embedText(e.message));
  const embeddingsKey = embeddingsKeyOf(args.date, args.fileId);
  await write(
    stores,
    embeddingsKey,
    JSON.stringify({ dimensions: EMBEDDING_DIMENSIONS, vectors }),
    'application/json',
  );
  return {
    date: args.date,
    fileId: args.fileId,
    parsedKey: args.parsedKey,
    embeddingsKey,
    vectors: vectors.length,
  };
}

/** What `logs.analyze` writes and returns. */
export interface LogReport {
  readonly date: string;
  readonly files: number;
  readonly lines: number;
  readonly levels: Record<Level, number>;
  readonly sources: Record<string, number>;
  /** Error lines per line, 0 to 1. */
  readonly errorRate: number;
  /** Error lines per line of each source. */
  readonly errorRateBySource: Record<string, number>;
}

/** The report over a set of parsed entries (pure). */
export function summarize(date: string, files: number, entries: readonly LogEntry[]): LogReport {
  const levels = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  const sources: Record<string, number> = {};
  const errors: Record<string, number> = {};
  for (const e of entries) {
    levels[e.level] += 1;
    sources[e.source] = (sources[e.source] ?? 0) + 1;
    if (e.level === 'error') errors[e.source] = (errors[e.source] ?? 0) + 1;
  }
  const rate = (n: number, of: number) => (of === 0 ? 0 : Number((n / of).toFixed(4)));
  return {
    date,
    files,
    lines: entries.length,
    levels,
    sources,
    errorRate: rate(levels.error, entries.length),
    errorRateBySource: Object.fromEntries(
      Object.entries(sources).map(([s, n]) => [s, rate(errors[s] ?? 0, n)]),
    ),
  };
}

/**
 * `logs.analyze`: levels, sources and error rates over one parsed file or a chord's files,
 * written to `logs/reports/<date>/<task id>.json`.
 */
export async function analyze(
  stores: LogStores,
  args: AnalyzeLogsArgs,
  taskId: string,
): Promise<LogReport & { reportKey: string }> {
  const keys = args.results ? args.results.map((r) => r.parsedKey) : [args.parsedKey as string];
  const entries = (await Promise.all(keys.map((k) => read(stores, k)))).flatMap(entriesOf);
  const report = summarize(args.date, keys.length, entries);
  const reportKey = `logs/reports/${args.date}/${taskId.replace(/[^A-Za-z0-9._=-]/g, '_')}.json`;
  await write(stores, reportKey, JSON.stringify(report, null, 2), 'application/json');
  return { ...report, reportKey };
}
