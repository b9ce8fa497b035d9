import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_OUTPUTS } from '../../src/protocol/outputs.js';
import { deployed } from '../helpers/deployed.js';
import type { Env } from './runtime-helpers.js';

/**
 * The log-analytics pipeline on the deployed stack, run as its system runs it: sample files
 * from `logs.generate`, the chain per file, a group over files, and a chord that builds the
 * day's report. Every report is checked against counts the test makes itself from the raw
 * files in S3.
 */
let env: Env;
let bucket: string;
const s3 = new S3Client({ forcePathStyle: true });
const date = '2026-11-30';
const seed = Date.now() % 1_000_000;
let fileIds: string[] = [];

interface Counts {
  lines: number;
  levels: Record<string, number>;
  sources: Record<string, number>;
}

async function object(key: string): Promise<string> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await out.Body?.transformToString()) ?? '';
}

/** Valid lines of raw files by level and source, counted here, not by the pipeline. */
async function rawCounts(ids: readonly string[]): Promise<Counts> {
  const counts: Counts = { lines: 0, levels: {}, sources: {} };
  for (const id of ids) {
    for (const line of (await object(`logs/raw/${date}/${id}.jsonl`)).split('\n')) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as { level: string; source: string };
      counts.lines += 1;
      counts.levels[entry.level] = (counts.levels[entry.level] ?? 0) + 1;
      counts.sources[entry.source] = (counts.sources[entry.source] ?? 0) + 1;
    }
  }
  return counts;
}

beforeAll(async () => {
  env = await deployed();
  const out = await new CloudFormationClient({}).send(
    new DescribeStacksCommand({ StackName: env.config.stackName }),
  );
  bucket =
    out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === STACK_OUTPUTS.dataBucketName)
      ?.OutputValue ?? '';
  const sent = await env.lovage.send('logs.generate', { date, files: 3, linesPerFile: 100, seed });
  const done = await env.lovage.wait(sent.id, { timeoutMs: 120_000 });
  expect(done.state).toBe('SUCCESS');
  fileIds = (done.result as { fileIds: string[] }).fileIds;
  expect(fileIds).toHaveLength(3);
});

const levelsOf = (counts: Counts) => ({
  debug: counts.levels.debug ?? 0,
  info: counts.levels.info ?? 0,
  warn: counts.levels.warn ?? 0,
  error: counts.levels.error ?? 0,
});

describe('the log-analytics pipeline', () => {
  it('runs the chain per file: process_file, embed, analyze', async () => {
    const fileId = fileIds[0] as string;
    const flow = await env.lovage.chain([
      { task: 'logs.process_file', args: { date, fileId } },
      { task: 'logs.embed' },
      { task: 'logs.analyze' },
    ]);
    const status = await flow.wait({ timeoutMs: 180_000 });
    expect(status.state).toBe('SUCCESS');
    const expected = await rawCounts([fileId]);
    // 100 lines, every 50th garbled.
    expect(expected.lines).toBe(98);
    const [processed, embedded] = status.steps.map((s) => s.result) as [
      { lines: number; invalid: number },
      { vectors: number; embeddingsKey: string },
    ];
    expect(processed).toMatchObject({ lines: 98, invalid: 2 });
    expect(embedded.vectors).toBe(98);
    const vectors = JSON.parse(await object(embedded.embeddingsKey)) as {
      dimensions: number;
      vectors: number[][];
    };
    expect(vectors.vectors).toHaveLength(98);
    // Unit length: real vectors, not placeholders.
    expect(Math.hypot(...(vectors.vectors[0] as number[]))).toBeCloseTo(1, 3);
    const report = status.result as { reportKey: string; lines: number; levels: object };
    expect(report).toMatchObject({ files: 1, lines: 98, levels: levelsOf(expected) });
    expect(JSON.parse(await object(report.reportKey))).toMatchObject({ lines: 98, files: 1 });
  });

  it('runs a group of process_file over the files, results in file order', async () => {
    const flow = await env.lovage.group(
      fileIds.map((fileId) => ({ task: 'logs.process_file' as const, args: { date, fileId } })),
    );
    const status = await flow.wait({ timeoutMs: 180_000 });
    expect(status.state).toBe('SUCCESS');
    expect((status.result as { fileId: string; lines: number }[]).map((r) => r.fileId)).toEqual(
      fileIds,
    );
  });

  it("builds the day's report with a chord of every file's chain", async () => {
    const flow = await env.lovage.chord(
      fileIds.map((fileId) => ({
        chain: [
          { task: 'logs.process_file' as const, args: { date, fileId } },
          { task: 'logs.embed' as const },
        ] as const,
      })),
      { task: 'logs.analyze', args: { date } },
    );
    const status = await flow.wait({ timeoutMs: 180_000 });
    expect(status.state).toBe('SUCCESS');
    const expected = await rawCounts(fileIds);
    expect(expected.lines).toBe(294);
    const report = status.result as {
      reportKey: string;
      files: number;
      lines: number;
      sources: Record<string, number>;
      errorRate: number;
    };
    expect(report).toMatchObject({
      files: 3,
      lines: 294,
      levels: levelsOf(expected),
      sources: expected.sources,
    });
    expect(report.errorRate).toBeCloseTo((expected.levels.error ?? 0) / 294, 3);
    expect(JSON.parse(await object(report.reportKey))).toMatchObject({ files: 3, lines: 294 });
  });
});
