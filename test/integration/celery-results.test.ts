/**
 * What a Python Celery client reads back through Celery's stock DynamoDB result backend.
 *
 * "fed from the table": tasks sent by the real Celery client run on the emulator stack;
 * every version of their records is read back from the task table and handed to the
 * Celery result mirror as TaskChanges, one batch at a time, repeated, late and
 * concurrently; its conditional puts go to the stack's real result table, and Python's
 * AsyncResult reads them. The versions are replayed under a twin id (`twin`), because the
 * deployed observer mirrors the real id on its own and would race the hand-fed batches.
 *
 * "through the task stream observer": the same, with nothing fed by hand: the deployed
 * observer runs the mirror (`CeleryCompat.grantMirrorWrites`).
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { celeryMeta, recordVersion } from '../../src/celery/index.js';
import { DEFAULT_STACK_NAME, STACK_OUTPUTS } from '../../src/protocol/outputs.js';
import type { TaskRecord } from '../../src/protocol/records.js';
import {
  CELERY_CLIENT_NAMES,
  type CeleryEnv,
  celeryEnv,
  celeryItem,
  changesOf,
  mirrorIsWired,
  scheduleOf,
  twin,
  watchRecord,
} from './celery-helpers.js';

const stack = await new CloudFormationClient({}).send(
  new DescribeStacksCommand({ StackName: process.env.LOVAGE_STACK_NAME ?? DEFAULT_STACK_NAME }),
);
const resultTable = stack.Stacks?.[0]?.Outputs?.find(
  (o) => o.OutputKey === STACK_OUTPUTS.celeryResultTable,
)?.OutputValue;
const wired = resultTable !== undefined && (await mirrorIsWired(resultTable));

const last = (versions: readonly TaskRecord[]) => versions.at(-1) as TaskRecord;

describe.each(CELERY_CLIENT_NAMES)('Celery %s client reading results', (name) => {
  let env: CeleryEnv;

  beforeAll(async () => {
    env = await celeryEnv(name);
  });
  afterAll(() => env?.driver.close());

  describe('fed from the table', () => {
    it('shows each state as the batches arrive, and get() returns the result', async () => {
      const id = await env.driver.delay('diagnostics.work', { steps: 4, hashesPerStep: 30_000 });
      const versions = await watchRecord(env, id);
      expect(last(versions).state).toBe('SUCCESS');
      expect(versions.map((v) => v.state)).toContain('PROGRESS');
      const fed = twin(versions);
      for (const change of changesOf(fed.versions)) {
        await env.mirror.react([change]);
        const stored = await celeryItem(env, fed.id);
        expect(stored?.meta).toMatchObject({
          status: celeryMeta(change.after as TaskRecord)?.status,
        });
        if (change.after?.state === 'PROGRESS') {
          const seen = await env.driver.call<{ state: string; info: unknown }>('state', {
            id: fed.id,
          });
          expect(seen).toMatchObject({ state: 'PROGRESS', info: { total: 4 } });
        }
      }
      const got = await env.driver.get(fed.id, 5);
      expect(got).toMatchObject({ state: 'SUCCESS', result: last(versions).result });
      const stored = await celeryItem(env, fed.id);
      expect(stored?.ttl).toBe((last(versions) as { expiresAt?: number }).expiresAt);
    });

    it('never lets a repeated, late or concurrent batch replace a newer state or a SUCCESS', async () => {
      const id = await env.driver.delay('diagnostics.work', { steps: 3, hashesPerStep: 20_000 });
      const fed = twin(await watchRecord(env, id));
      const changes = changesOf(fed.versions);
      expect(await env.mirror.mirror(changes)).toEqual({ written: 1, refused: 0 });
      const final = await celeryItem(env, fed.id);
      expect(final?.status).toBe('SUCCESS');

      // The same batch again, each older change on its own, and all of them newest-first.
      expect(await env.mirror.mirror(changes)).toEqual({ written: 0, refused: 1 });
      for (const change of changes.slice(0, -1)) {
        expect(await env.mirror.mirror([change])).toEqual({ written: 0, refused: 1 });
      }
      expect((await env.mirror.mirror([...changes].reverse())).written).toBe(0);
      // Twenty deliveries racing, each with one of the changes.
      const raced = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          env.mirror.mirror([changes[i % changes.length] as (typeof changes)[number]]),
        ),
      );
      expect(raced.reduce((n, r) => n + r.written, 0)).toBe(0);
      expect(await celeryItem(env, fed.id)).toEqual(final);
      expect((await env.driver.get(fed.id, 5)).state).toBe('SUCCESS');
    });

    it('lets a late RETRY lose to the FAILURE after it, and get() raises an exception named like the JS error', async () => {
      const id = await env.driver.sendTask('diagnostics.fail', {
        kwargs: { kind: 'named', name: 'PaymentDeclinedError', message: 'card 4242 declined' },
      });
      const versions = await watchRecord(env, id);
      expect(last(versions).state).toBe('FAILURE');
      const fed = twin(versions);
      const changes = changesOf(fed.versions);
      const retry = changes.find((c) => c.after?.state === 'RETRY');
      if (!retry) throw new Error(`no RETRY version seen in ${versions.map((v) => v.state)}`);
      await env.mirror.react([retry]);
      expect(await env.driver.call('state', { id: fed.id })).toMatchObject({
        state: 'RETRY',
        info: { type: 'PaymentDeclinedError', args: ['card 4242 declined'] },
      });
      await env.mirror.react(changes);
      expect(await env.mirror.mirror([retry])).toEqual({ written: 0, refused: 1 });
      const got = await env.driver.get(fed.id, 5);
      expect(got.state).toBe('FAILURE');
      expect(got.raised).toEqual({
        type: 'PaymentDeclinedError',
        module: 'celery.exceptions',
        args: ['card 4242 declined'],
      });
    });

    it('shows a task revoked from Lovage while scheduled as REVOKED, and get() raises TaskRevokedError', async () => {
      const id = await env.driver.sendTask('diagnostics.ping', {
        kwargs: { message: 'never' },
        options: { countdown: 2000 },
      });
      await scheduleOf(env, id);
      await env.lovage.revoke(id, { reason: 'cancelled by the test' });
      const versions = await watchRecord(env, id);
      expect(versions.map((v) => v.state)).toEqual(['REVOKED']);
      const fed = twin(versions);
      await env.mirror.react(changesOf(fed.versions));
      const got = await env.driver.get(fed.id, 5);
      expect(got).toMatchObject({
        state: 'REVOKED',
        raised: { type: 'TaskRevokedError', module: 'celery.exceptions', args: ['revoked'] },
      });
    });

    it('shows an expired task as REVOKED with "expired", as a Celery worker does', async () => {
      const id = await env.driver.sendTask('diagnostics.ping', {
        kwargs: { message: 'late' },
        options: { countdown: 3, expires: 1 },
      });
      const fed = twin(await watchRecord(env, id));
      await env.mirror.react(changesOf(fed.versions));
      expect(await env.driver.get(fed.id, 5)).toMatchObject({
        state: 'REVOKED',
        raised: { type: 'TaskRevokedError', args: ['expired'] },
      });
    });

    it("returns every member's result from GroupResult.get()", async () => {
      const messages = ['a', 'b', 'c'];
      const group = await env.driver.call<{ id: string; ids: string[] }>('group', {
        tasks: messages.map((message) => ({ name: 'diagnostics.ping', kwargs: { message } })),
      });
      const all = await Promise.all(group.ids.map(async (id) => twin(await watchRecord(env, id))));
      await env.mirror.react(all.flatMap((fed) => changesOf(fed.versions)));
      const got = await env.driver.call<{ results: { echo: string }[] }>('group_get', {
        id: group.id,
        ids: all.map((fed) => fed.id),
        timeout: 10,
      });
      expect(got.results.map((r) => r.echo)).toEqual(messages);
    });

    it('raises NotImplementedError for the first task of a refused chain', async () => {
      const { ids } = await env.driver.call<{ ids: string[] }>('chain', {
        tasks: [
          { name: 'diagnostics.ping', kwargs: { message: 'one' } },
          { name: 'diagnostics.ping', kwargs: { message: 'two' } },
        ],
      });
      const first = ids[0] as string;
      const fed = twin(await watchRecord(env, first));
      await env.mirror.react(changesOf(fed.versions));
      const got = await env.driver.get(fed.id, 5);
      expect(got.raised).toMatchObject({ type: 'NotImplementedError', module: 'builtins' });
      expect(got.raised?.args[0]).toMatch(/^Celery chains are not supported by Lovage/);
    });

    it('keeps the item with the record: same TTL, and a version that only grows', async () => {
      const id = await env.driver.delay('diagnostics.ping', { message: 'ttl' });
      const versions = await watchRecord(env, id);
      const fed = twin(versions);
      await env.mirror.react(changesOf(fed.versions));
      const record = last(versions) as TaskRecord & { expiresAt: number };
      const stored = await celeryItem(env, fed.id);
      expect(stored?.ttl).toBe(record.expiresAt);
      const order = versions.map(recordVersion);
      expect([...order].sort()).toEqual(order);
    });
  });

  describe('through the task stream observer', () => {
    it('is what the deployed stack runs: the observer has the result table', () => {
      expect(resultTable).toBeDefined();
      expect(wired).toBe(true);
    });

    it('get() returns the result of task.delay(**kwargs)', async () => {
      const id = await env.driver.delay('diagnostics.ping', { message: 'wired' });
      const got = await env.driver.get(id, 60);
      expect(got).toMatchObject({ state: 'SUCCESS', result: { echo: 'wired' } });
    });

    it('get() raises an exception named like the JS error of a failed task', async () => {
      const id = await env.driver.sendTask('diagnostics.fail', {
        kwargs: { kind: 'unrecoverable', message: 'no such customer' },
      });
      const got = await env.driver.get(id, 60);
      expect(got.raised).toEqual({
        type: 'UnrecoverableError',
        module: 'celery.exceptions',
        args: ['no such customer'],
      });
    });

    it('a revoke from Lovage is REVOKED in Python', async () => {
      const id = await env.driver.sendTask('diagnostics.ping', {
        kwargs: { message: 'never' },
        options: { countdown: 2000 },
      });
      await scheduleOf(env, id);
      await env.lovage.revoke(id);
      expect(await env.driver.get(id, 60)).toMatchObject({
        state: 'REVOKED',
        raised: { type: 'TaskRevokedError' },
      });
    });

    it("GroupResult.get() returns every member's result", async () => {
      const group = await env.driver.call<{ id: string; ids: string[] }>('group', {
        tasks: ['x', 'y'].map((message) => ({ name: 'diagnostics.ping', kwargs: { message } })),
      });
      const got = await env.driver.call<{ results: { echo: string }[] }>('group_get', {
        id: group.id,
        ids: group.ids,
        timeout: 60,
      });
      expect(got.results.map((r) => r.echo)).toEqual(['x', 'y']);
    });

    it("a chain's own AsyncResult raises NotImplementedError at once", async () => {
      const chain = await env.driver.call<{ id: string }>('chain', {
        tasks: [
          { name: 'diagnostics.ping', kwargs: { message: 'one' } },
          { name: 'diagnostics.ping', kwargs: { message: 'two' } },
        ],
      });
      const got = await env.driver.get(chain.id, 60);
      expect(got.raised).toMatchObject({ type: 'NotImplementedError' });
      expect(got.seconds).toBeLessThan(30);
    });
  });
});
