import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type RunKeys, RunLogger, TaskLines } from '../../../src/runtime/index.js';

const KEYS: RunKeys = { taskId: 't-1', task: 'email.send', attempt: 2, correlationId: 'c-9' };
const TRACE = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

/** What `body` returns, and what it wrote to stdout (kept off the terminal). */
function stdoutOf<T>(body: () => T): { result: T; written: string[] } {
  const written: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
  try {
    return { result: body(), written };
  } finally {
    spy.mockRestore();
  }
}

/** What Powertools itself writes for `root.info('task succeeded', keys, { durationMs })`. */
function powertoolsLine(
  root: Logger,
  durationMs: number,
  keys: RunKeys = KEYS,
): Record<string, unknown> {
  const { written } = stdoutOf(() => new RunLogger(root, keys).succeeded(durationMs));
  expect(written).toHaveLength(1);
  return JSON.parse(written[0] ?? '') as Record<string, unknown>;
}

function linesOf(root: Logger, fill: (lines: TaskLines) => void) {
  const writes: string[] = [];
  const lines = new TaskLines(root, (text) => writes.push(text));
  fill(lines);
  lines.flush();
  const parsed = writes
    .join('')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { writes: writes.length, parsed };
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('TaskLines', () => {
  it('writes the line Powertools writes: same keys in the same order, same values but the time', () => {
    vi.stubEnv('_X_AMZN_TRACE_ID', TRACE);
    const root = new Logger({ serviceName: 'lovage-email', sampleRateValue: 1 });
    root.appendKeys({ stage: 'prod' });
    const expected = powertoolsLine(root, 7);
    const { parsed } = linesOf(root, (lines) => new RunLogger(root, KEYS, lines).succeeded(7));
    expect(parsed).toHaveLength(1);
    const [line] = parsed;
    expect(Object.keys(line ?? {})).toEqual(Object.keys(expected));
    expect({ ...line, timestamp: 0 }).toEqual({ ...expected, timestamp: 0 });
    // The keys a reader filters on, spelled out so a Powertools change cannot hide here.
    expect(line).toMatchObject({
      level: 'INFO',
      message: 'task succeeded',
      service: 'lovage-email',
      xray_trace_id: '1-5759e988-bd862e3fe1be46a994272793',
      stage: 'prod',
      taskId: 't-1',
      task: 'email.send',
      attempt: 2,
      correlationId: 'c-9',
      durationMs: 7,
    });
    expect(Date.parse(String(line?.timestamp))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('escapes each run’s values, and a key the Logger has already keeps its place', () => {
    const root = new Logger({ serviceName: 'lovage-email' });
    // A persistent key named like a run's key: the run's value wins, in the base's place.
    root.appendKeys({ task: 'shadowed', region: 'eu-west-1' });
    const keys: RunKeys = {
      taskId: 'quote " back \\ newline \n nul \u0000 sep \u2028 é',
      task: 'email.send',
      attempt: 3,
      correlationId: '\u0000lovage-hole-1\u0000',
    };
    const expected = powertoolsLine(root, 12.5, keys);
    const { parsed } = linesOf(root, (lines) => new RunLogger(root, keys, lines).succeeded(12.5));
    const [line] = parsed;
    expect(Object.keys(line ?? {})).toEqual(Object.keys(expected));
    expect({ ...line, timestamp: 0 }).toEqual({ ...expected, timestamp: 0 });
    expect(line).toMatchObject({ taskId: keys.taskId, correlationId: keys.correlationId });
  });

  it('gathers an invocation’s lines into one write, and writes nothing when nothing succeeded', () => {
    const root = new Logger({ serviceName: 'lovage-email' });
    const many = linesOf(root, (lines) => {
      for (let i = 0; i < 10; i++) lines.succeeded({ ...KEYS, taskId: `t-${i}` }, i);
    });
    expect(many.writes).toBe(1);
    expect(many.parsed.map((l) => l.taskId)).toEqual(
      Array.from({ length: 10 }, (_, i) => `t-${i}`),
    );
    expect(linesOf(root, () => undefined).writes).toBe(0);
  });

  it('falls back to the Logger’s own line when its keys are not plain JSON', () => {
    const root = new Logger({ serviceName: 'lovage-email' });
    root.appendKeys({ big: 10n });
    const expected = powertoolsLine(root, 3);
    const { result: gathered, written } = stdoutOf(() =>
      linesOf(root, (lines) => lines.succeeded(KEYS, 3)),
    );
    expect(gathered.writes).toBe(0);
    expect(written).toHaveLength(1);
    expect({ ...JSON.parse(written[0] ?? ''), timestamp: 0 }).toEqual({
      ...expected,
      timestamp: 0,
    });
    expect(expected.big).toBe('10');
  });

  it('falls back to the Logger’s own line when a key of its base looks like a hole of the template', () => {
    const root = new Logger({ serviceName: 'lovage-email' });
    root.appendKeys({ odd: '\u0000lovage-hole-1\u0000' });
    const { result: gathered, written } = stdoutOf(() =>
      linesOf(root, (lines) => lines.succeeded(KEYS, 3)),
    );
    expect(gathered.writes).toBe(0);
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0] ?? '')).toMatchObject({
      odd: '\u0000lovage-hole-1\u0000',
      taskId: 't-1',
      correlationId: 'c-9',
    });
  });

  it('writes nothing when the logger is above INFO, as Powertools would', () => {
    const root = new Logger({ serviceName: 'lovage-email', logLevel: 'WARN' });
    expect(linesOf(root, (lines) => lines.succeeded(KEYS, 1)).parsed).toEqual([]);
  });

  it('renders each invocation’s base anew, so a line carries its own invocation’s trace id', () => {
    const root = new Logger({ serviceName: 'lovage-email' });
    const writes: string[] = [];
    const lines = new TaskLines(root, (text) => writes.push(text));
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-aaaaaaaa-000000000000000000000001;Sampled=1');
    lines.succeeded(KEYS, 1);
    lines.flush();
    vi.stubEnv('_X_AMZN_TRACE_ID', 'Root=1-bbbbbbbb-000000000000000000000002;Sampled=1');
    lines.succeeded(KEYS, 1);
    lines.flush();
    expect(writes.map((w) => (JSON.parse(w) as { xray_trace_id: string }).xray_trace_id)).toEqual([
      '1-aaaaaaaa-000000000000000000000001',
      '1-bbbbbbbb-000000000000000000000002',
    ]);
  });

  it('still writes what an invocation gathered when a task exits the process mid-invocation', () => {
    const fixture = fileURLToPath(
      new URL('../../fixtures/runtime/exit-mid-invocation.ts', import.meta.url),
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', fixture], { encoding: 'utf8' });
    expect(child.status).toBe(3);
    const written = child.stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(written).toEqual([
      expect.objectContaining({ message: 'task succeeded', taskId: 'neighbour-1', durationMs: 4 }),
      expect.objectContaining({ task: 'diagnostics.ping', TaskSucceeded: 1, TaskDuration: 4 }),
    ]);
  });
});
