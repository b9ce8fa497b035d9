import { Logger } from '@aws-lambda-powertools/logger';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../../src/catalog/index.js';
import { WorkflowEngine } from '../../src/workflows/engine.js';
import { joinKey, pathOf } from '../../src/workflows/plan.js';
import { lovage } from '../helpers/cli.js';
import { deployed } from '../helpers/deployed.js';
import {
  type Env,
  envelope,
  finished,
  item,
  itemWhen,
  journaledRuns,
  sendRaw,
} from './runtime-helpers.js';

/**
 * Chains, groups and chords on the deployed stack: the client writes and sends them, the
 * diagnostics worker runs their steps, and the task stream observer's workflow engine
 * advances them from committed states. Handler runs are counted from the drills' journal.
 */
let env: Env;
let runId: string;

beforeAll(async () => {
  env = await deployed();
  runId = Date.now().toString(36);
});

const wfId = (name: string) => `wf-${name}-${runId}`;

/** Handler runs of a drill task, from its journal. */
const runs = async (id: string) => (await journaledRuns(env, id)).length;

describe('chain', () => {
  it('runs three steps in order, each receiving the previous result', async () => {
    const id = wfId('chain');
    const flow = await env.lovage.chain(
      [
        { task: 'diagnostics.add', args: { value: 1, add: 1 } },
        { task: 'diagnostics.add', args: { add: 10 } },
        { task: 'diagnostics.add' },
      ],
      { id },
    );
    expect(flow.id).toBe(id);
    const status = await flow.wait({ timeoutMs: 120_000 });
    expect(status).toMatchObject({ id, kind: 'chain', state: 'SUCCESS' });
    // 1 + 1, then + 10, then + 1 (add's default): every step ran once, in order.
    expect(status.result).toEqual({ value: 13, trail: [`${id}.s0`, `${id}.s1`, `${id}.s2`] });
    expect(status.steps.map((s) => [s.id, s.state, s.attempt])).toEqual([
      [`${id}.s0`, 'SUCCESS', 1],
      [`${id}.s1`, 'SUCCESS', 1],
      [`${id}.s2`, 'SUCCESS', 1],
    ]);
    for (let i = 1; i < 3; i++) {
      const prev = status.steps[i - 1];
      const step = status.steps[i];
      expect(Date.parse(step?.startedAt ?? '')).toBeGreaterThanOrEqual(
        Date.parse(prev?.finishedAt ?? ''),
      );
      const record = await item(env, `${id}.s${i}`);
      expect(record).toMatchObject({ workflowId: id, rootId: id, parentId: `${id}.s${i - 1}` });
    }
  });

  it('stops at a failed step: the workflow is FAILURE naming it, later steps never run', async () => {
    const id = wfId('chain-fail');
    const flow = await env.lovage.chain(
      [
        { task: 'diagnostics.add', args: { value: 1 } },
        { task: 'diagnostics.fail', args: { kind: 'unrecoverable', message: 'stop here' } },
        { task: 'diagnostics.add' },
      ],
      { id },
    );
    const status = await flow.wait({ timeoutMs: 120_000 });
    expect(status.state).toBe('FAILURE');
    expect(status.failure).toMatchObject({ stepId: `${id}.s1`, task: 'diagnostics.fail' });
    expect(status.failure?.reason).toMatch(/step .*\.s1 \(diagnostics\.fail\) failed: .*stop here/);
    expect(status.steps.map((s) => s.state)).toEqual(['SUCCESS', 'FAILURE', 'PENDING']);
    expect(await item(env, `${id}.s2`)).toBeUndefined();
  });

  it('fails a step whose input does not fit its schema, naming both tasks', async () => {
    const id = wfId('chain-mismatch');
    // ping returns { echo, attempt, runtime }: no `results` for collect.
    const flow = await env.lovage.chain(
      [{ task: 'diagnostics.ping', args: { message: 'hi' } }, { task: 'diagnostics.collect' }],
      { id },
    );
    const status = await flow.wait({ timeoutMs: 120_000 });
    expect(status.state).toBe('FAILURE');
    expect(status.failure?.stepId).toBe(`${id}.s1`);
    expect(status.failure?.error?.type).toBe('WorkflowArgsError');
    expect(status.failure?.error?.message).toMatch(
      /diagnostics\.collect \(.*\.s1\) cannot take the result of diagnostics\.ping \(.*\.s0\): results/,
    );
    expect(await runs(`${id}.s1`)).toBe(0);
  });

  it('revoked mid-chain: the running step stops, the rest never run, the workflow is REVOKED', async () => {
    const id = wfId('chain-revoke');
    const flow = await env.lovage.chain(
      [
        { task: 'diagnostics.work', args: { steps: 20, hashesPerStep: 1, pauseMs: 200 } },
        { task: 'diagnostics.add', args: { journal: true } },
        { task: 'diagnostics.add', args: { journal: true } },
      ],
      { id },
    );
    await itemWhen(
      env,
      `${id}.s0`,
      'to start',
      (i) => i.state === 'STARTED' || i.state === 'PROGRESS',
    );
    const revoked = await flow.revoke('changed my mind');
    expect(revoked.state).toBe('REVOKED');
    expect(revoked.revokedSteps).toEqual([`${id}.s0`, `${id}.s1`, `${id}.s2`]);
    const first = await finished(env, `${id}.s0`);
    expect(first.state).toBe('REVOKED');
    // Long enough for an engine that wrongly advanced to have sent and run step 1.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const status = await flow.get();
    expect(status.state).toBe('REVOKED');
    expect(status.revokeReason).toBe('changed my mind');
    expect(status.steps.map((s) => s.state)).toEqual(['REVOKED', 'REVOKED', 'REVOKED']);
    expect(await runs(`${id}.s1`)).toBe(0);
    expect(await runs(`${id}.s2`)).toBe(0);
  });
});

describe('group', () => {
  it('runs N members and succeeds with their results in group order', async () => {
    const id = wfId('group');
    const n = 12;
    const flow = await env.lovage.group(
      Array.from({ length: n }, (_, i) => ({
        task: 'diagnostics.add' as const,
        args: { value: i, add: 100 },
      })),
      { id },
    );
    const status = await flow.wait({ timeoutMs: 120_000 });
    expect(status.state).toBe('SUCCESS');
    expect((status.result as { value: number }[]).map((r) => r.value)).toEqual(
      Array.from({ length: n }, (_, i) => i + 100),
    );
    expect(status.steps.every((s) => s.state === 'SUCCESS' && s.attempt === 1)).toBe(true);
  });
});

describe('group with a failure', () => {
  it('runs every member, then ends FAILURE naming the one that failed', async () => {
    const id = wfId('group-fail');
    const flow = await env.lovage.group(
      [
        { task: 'diagnostics.add', args: { value: 1, journal: true } },
        { task: 'diagnostics.fail', args: { kind: 'unrecoverable', message: 'member 1 down' } },
        { task: 'diagnostics.add', args: { value: 2, journal: true } },
      ],
      { id },
    );
    const status = await flow.wait({ timeoutMs: 120_000 });
    expect(status.state).toBe('FAILURE');
    expect(status.failure).toMatchObject({ stepId: `${id}.m1`, task: 'diagnostics.fail' });
    expect(status.steps.map((s) => s.state)).toEqual(['SUCCESS', 'FAILURE', 'SUCCESS']);
    expect(await runs(`${id}.m0`)).toBe(1);
    expect(await runs(`${id}.m2`)).toBe(1);
  });
});

describe('the CLI', () => {
  it("shows a workflow's tree, waits for it, lists its steps by root id, and names it in a step's status", async () => {
    const id = wfId('cli');
    await env.lovage.chain(
      [{ task: 'diagnostics.add', args: { value: 5 } }, { task: 'diagnostics.add' }],
      { id },
    );
    const waited = await lovage('workflow', 'wait', id, '--timeout', '120');
    expect(waited.code).toBe(0);
    expect(waited.stdout).toContain(`${id}  chain  SUCCESS`);
    const shown = await lovage('--json', 'workflow', 'show', id);
    expect(shown.code).toBe(0);
    const status = JSON.parse(shown.stdout) as {
      state: string;
      steps: { id: string; state: string }[];
    };
    expect(status.state).toBe('SUCCESS');
    expect(status.steps.map((s) => [s.id, s.state])).toEqual([
      [`${id}.s0`, 'SUCCESS'],
      [`${id}.s1`, 'SUCCESS'],
    ]);
    const members = await lovage('--json', 'list', '--root', id);
    expect(members.code).toBe(0);
    expect(
      (JSON.parse(members.stdout) as { id: string; workflowId?: string }[])
        .map((t) => [t.id, t.workflowId])
        .sort(),
    ).toEqual([
      [`${id}.s0`, id],
      [`${id}.s1`, id],
    ]);
    const step = await lovage('status', `${id}.s1`);
    expect(step.stdout).toContain(`workflow: ${id}`);
    const missing = await lovage('workflow', 'show', `${id}-nope`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no workflow '${id}-nope'`);
  });
});

describe('chord', () => {
  it('runs its callback exactly once when every member is retried and delivered three times', async () => {
    const id = wfId('chord-drill');
    const n = 6;
    const flow = await env.lovage.chord(
      Array.from({ length: n }, () => ({
        task: 'diagnostics.flaky' as const,
        args: { failTimes: 1, journal: true },
      })),
      { task: 'diagnostics.collect', args: { journal: true } },
      { id },
    );
    // Two more copies of every member's message, as at-least-once delivery may bring.
    const copies = Array.from({ length: n }, (_, m) =>
      envelope(
        'dup',
        'diagnostics.flaky',
        { failTimes: 1, journal: true },
        {
          id: `${id}.m${m}`,
          workflowId: id,
          rootId: id,
        },
      ),
    );
    await sendRaw(env, copies);
    await sendRaw(env, copies);
    const status = await flow.wait({ timeoutMs: 180_000 });
    expect(status.state).toBe('SUCCESS');
    expect(status.result).toEqual({ count: n, sum: 0 });
    const callback = `${id}.callback`;
    expect(await runs(callback)).toBe(1);
    const members = status.steps.filter((s) => s.path.startsWith('m'));
    expect(members.map((s) => [s.state, s.attempt])).toEqual(
      Array.from({ length: n }, () => ['SUCCESS', 2]),
    );
    // Each member ran once per attempt however many copies came.
    for (const m of members) expect(await runs(m.id)).toBe(2);
    const join = await env.db.send(
      new GetCommand({ TableName: env.config.tableName, Key: joinKey(id), ConsistentRead: true }),
    );
    expect(join.Item?.size).toBe(n);
    expect([...((join.Item?.done as Set<number> | undefined) ?? [])].sort((a, b) => a - b)).toEqual(
      Array.from({ length: n }, (_, i) => i),
    );

    // The stream delivering every member's SUCCESS again, all at once, three times over:
    // the join and the workflow's end are conditional writes, so nothing runs again.
    const engine = new WorkflowEngine({
      db: env.db,
      tableName: env.config.tableName,
      sqs: env.sqs,
      queues: Object.fromEntries(
        Object.entries(env.config.queues).map(([key, pair]) => [key, pair.url]),
      ),
      catalog,
      logger: new Logger({ logLevel: 'ERROR' }),
    });
    const records = await Promise.all(members.map((m) => item(env, m.id)));
    await Promise.all(
      [1, 2, 3].flatMap(() =>
        records.map((record) => {
          if (!record) throw new Error('member record missing');
          const path = pathOf(id, record.id);
          if (!path) throw new Error(`${record.id} is no step of ${id}`);
          return engine.onStepFinished({ workflowId: id, path, record });
        }),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await runs(callback)).toBe(1);
    expect(await flow.get()).toMatchObject({ state: 'SUCCESS', result: { count: n, sum: 0 } });
  });

  it('ends FAILURE naming the member that failed for good, and never runs its callback', async () => {
    const id = wfId('chord-fail');
    const flow = await env.lovage.chord(
      [
        { task: 'diagnostics.add', args: { value: 1 } },
        { task: 'diagnostics.fail', args: { kind: 'unrecoverable', message: 'member down' } },
      ],
      { task: 'diagnostics.collect', args: { journal: true } },
      { id },
    );
    const status = await flow.wait({ timeoutMs: 120_000 });
    expect(status.state).toBe('FAILURE');
    expect(status.failure).toMatchObject({ stepId: `${id}.m1`, task: 'diagnostics.fail' });
    expect(await runs(`${id}.callback`)).toBe(0);
  });
});

describe('link and linkError', () => {
  it('sends link with the result of a workflow that succeeded, and linkError with the failure of one that failed', async () => {
    const ok = wfId('link');
    const bad = wfId('link-error');
    const [good, failing] = await Promise.all([
      env.lovage.chain([{ task: 'diagnostics.add', args: { value: 41 } }], {
        id: ok,
        link: { task: 'diagnostics.add', args: { journal: true } },
        linkError: { task: 'diagnostics.note_failure', args: { journal: true } },
      }),
      env.lovage.chain(
        [
          { task: 'diagnostics.add', args: { value: 1 } },
          { task: 'diagnostics.fail', args: { kind: 'unrecoverable', message: 'broken' } },
        ],
        {
          id: bad,
          link: { task: 'diagnostics.add', args: { journal: true } },
          linkError: { task: 'diagnostics.note_failure', args: { journal: true } },
        },
      ),
    ]);
    expect((await good.wait()).state).toBe('SUCCESS');
    expect((await failing.wait()).state).toBe('FAILURE');
    const link = await finished(env, `${ok}.link`);
    expect(link).toMatchObject({ state: 'SUCCESS', result: { value: 43 }, workflowId: ok });
    const noted = await finished(env, `${bad}.error`);
    expect(noted).toMatchObject({
      state: 'SUCCESS',
      result: { workflowId: bad, stepId: `${bad}.s1` },
    });
    // Each ran once; the other callback of each workflow was never sent.
    expect(await runs(`${ok}.link`)).toBe(1);
    expect(await runs(`${bad}.error`)).toBe(1);
    expect(await item(env, `${ok}.error`)).toBeUndefined();
    expect(await item(env, `${bad}.link`)).toBeUndefined();
  });
});

describe('inside a task', () => {
  it('ctx.send derives child ids from the parent, so a re-run sends nothing twice', async () => {
    const parent = envelope('spawn', 'diagnostics.spawn', {
      children: 3,
      failAfterSendTimes: 1,
      journal: true,
    });
    await sendRaw(env, [parent]);
    const done = await finished(env, parent.id);
    // Attempt 1 sent three children and failed; attempt 2 sent the same three again.
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 2 });
    const ids = [0, 1, 2].map((i) => `${parent.id}+${i}`);
    expect(done.result).toEqual({ children: ids });
    for (const child of ids) {
      const record = await finished(env, child);
      expect(record).toMatchObject({
        state: 'SUCCESS',
        attempt: 1,
        parentId: parent.id,
        rootId: parent.id,
        task: 'diagnostics.ping',
      });
    }
    // Give the second copies time to arrive, then count: one run per child.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(await Promise.all(ids.map(runs))).toEqual([1, 1, 1]);
  });

  it("ctx.send queues another category's task listed in the catalog's sends", async () => {
    const parent = envelope('across', 'diagnostics.spawn', { children: 0, across: true });
    await sendRaw(env, [parent]);
    const done = await finished(env, parent.id);
    expect(done).toMatchObject({ state: 'SUCCESS', result: { children: [`${parent.id}+across`] } });
    const child = await finished(env, `${parent.id}+across`);
    expect(child).toMatchObject({
      state: 'SUCCESS',
      task: 'logs.generate',
      parentId: parent.id,
      rootId: parent.id,
      result: { fileIds: ['file-4242-0'] },
    });
  });

  it('ctx.retry retries after its own countdown, counted against maxRetries', async () => {
    const ok = envelope('retry-ok', 'diagnostics.retry_later', { times: 2, countdownSeconds: 2 });
    const over = envelope('retry-over', 'diagnostics.retry_later', {
      times: 5,
      countdownSeconds: 1,
    });
    await sendRaw(env, [ok, over]);
    const done = await finished(env, ok.id);
    expect(done).toMatchObject({ state: 'SUCCESS', attempt: 3, result: { succeededOnAttempt: 3 } });
    const retries = done.history.filter((h) => h.state === 'RETRY');
    expect(retries.map((h) => h.note)).toEqual([
      'asked by the task: drill: attempt 1; retry 1 of 2 in 2 s',
      'asked by the task: drill: attempt 2; retry 2 of 2 in 2 s',
    ]);
    const starts = done.history.filter((h) => h.state === 'STARTED').map((h) => Date.parse(h.at));
    expect((starts[1] as number) - (starts[0] as number)).toBeGreaterThanOrEqual(1_900);
    const failed = await finished(env, over.id);
    // maxRetries 2: attempts 1 and 2 retried, attempt 3 asked again and failed for good.
    expect(failed).toMatchObject({ state: 'FAILURE', attempt: 3 });
    expect(failed.error?.type).toBe('MaxRetriesExceededError');
  });
});
