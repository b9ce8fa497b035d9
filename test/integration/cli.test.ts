import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, json, lovage, lovageWith } from '../helpers/cli.js';
import { deployed, eventually, verifiedSender } from '../helpers/deployed.js';

let env: Awaited<ReturnType<typeof deployed>>;
let sender: string;

beforeAll(async () => {
  env = await deployed();
  sender = await verifiedSender();
});

const finished = (id: string) => env.lovage.wait(id, { timeoutMs: 60_000 });

describe('lovage send / status', () => {
  it('sends a task that runs to SUCCESS and shows it with status', async () => {
    const handle = await json<{ id: string; tier: string }>(
      'send',
      'email.send',
      JSON.stringify({
        from: sender,
        to: ['success@simulator.amazonses.com'],
        subject: 'cli',
        text: 'from the CLI',
      }),
      '--priority',
      'low',
    );
    expect(handle.tier).toBe('low');
    expect((await finished(handle.id)).state).toBe('SUCCESS');
    const status = await lovage('status', handle.id);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${handle.id}  SUCCESS  email.send`);
    expect(status.stdout).toMatch(/result: \{"messageId":".+","recipients":1\}/);
  });

  it('exits 2 with a clear message for an unknown task, bad JSON or an invalid payload', async () => {
    const unknown = await lovage('send', 'email.nope', '{}');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown task 'email.nope'");
    const badJson = await lovage('send', 'email.check_quota', '{oops');
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('payload is not valid JSON');
    const invalid = await lovage('send', 'email.check_quota', '{"warnAtPercent":500}');
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toContain("invalid payload for task 'email.check_quota': warnAtPercent");
  });

  it('exits 3 when the stack does not exist', async () => {
    const out = await lovage('--stack', `Missing${randomUUID().slice(0, 6)}`, 'queues');
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/cannot read stack 'Missing\w+'/);
  });
});

describe('lovage wait / list / revoke', () => {
  it('waits for a task, then finds it with list by task and by state', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const { id } = await json<{ id: string }>('send', 'email.check_quota', '{}');
    const waited = await lovage('wait', id, '--timeout', '120');
    expect(waited.code).toBe(0);
    expect(waited.stdout).toContain(`${id}  SUCCESS  email.check_quota`);

    const byTask = await json<{ id: string; state: string }[]>(
      'list',
      '--task',
      'email.check_quota',
      '--since',
      since,
    );
    expect(byTask).toContainEqual(expect.objectContaining({ id, state: 'SUCCESS' }));
    const byState = await json<{ id: string }[]>(
      'list',
      '--state',
      'SUCCESS',
      '--since',
      since,
      '--limit',
      '200',
    );
    expect(byState.map((t) => t.id)).toContain(id);
    const badState = await lovage('list', '--state', 'DONE');
    expect(badState.code).toBe(2);
  });

  it('revokes a task scheduled an hour ahead, deleting its one-time schedule', async () => {
    const sent = await json<{ id: string; scheduleName: string }>(
      'send',
      'email.check_quota',
      '{}',
      '--countdown',
      '3600',
    );
    expect(sent.scheduleName).toMatch(/^lovage-/);
    expect((await env.lovage.get(sent.id)).state).toBe('PENDING');

    const revoked = await json<{ revoked: boolean; scheduleDeleted: boolean }>('revoke', sent.id);
    expect(revoked).toMatchObject({ revoked: true, scheduleDeleted: true });
    const status = await json<{ state: string; history: { state: string }[] }>('status', sent.id);
    expect(status.state).toBe('REVOKED');
    expect(status.history.map((h) => h.state)).toEqual(['PENDING', 'REVOKED']);

    const again = await lovage('revoke', sent.id);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('not revoked, already REVOKED');
  });

  it('draws a progress bar while waiting for a task that reports progress', async () => {
    const { id } = await json<{ id: string }>(
      'send',
      'diagnostics.work',
      // About 3 s of pauses, so the run's length does not depend on how busy the CPU is.
      JSON.stringify({ steps: 6, hashesPerStep: 1000, pauseMs: 500 }),
    );
    const out = await lovage('wait', id, '--timeout', '120');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(`${id}  SUCCESS  diagnostics.work`);
    // Not a terminal here, so each update is its own line on stderr.
    expect(out.stderr).toMatch(/^\[#*\.*\] \d\/6/m);
  });

  it('sends with --eta and --expires, and rejects an expiry before the eta', async () => {
    const eta = new Date(Date.now() + 3_600_000).toISOString();
    const expires = new Date(Date.now() + 7_200_000).toISOString();
    const sent = await json<{ id: string; eta: string; delivery: string }>(
      'send',
      'email.check_quota',
      '{}',
      '--eta',
      eta,
      '--expires',
      expires,
    );
    expect(sent.delivery).toBe('schedule');
    expect(Date.parse(sent.eta)).toBeGreaterThanOrEqual(Date.parse(eta) - 1000);
    const status = await json<{ state: string; expires: string }>('status', sent.id);
    expect(status).toMatchObject({ state: 'PENDING', expires });
    await env.lovage.revoke(sent.id);

    const bad = await lovage('send', 'email.check_quota', '{}', '--eta', expires, '--expires', eta);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/expires/);
  });

  it('exits 1 when waiting times out', async () => {
    const { id } = await json<{ id: string }>(
      'send',
      'email.check_quota',
      '{}',
      '--countdown',
      '600',
      // Not email/low: the client tests wait for that queue to hold no delayed messages.
      '--priority',
      'high',
    );
    const out = await lovage('wait', id, '--timeout', '1');
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(new RegExp(`${id}`));
    await env.lovage.revoke(id);
  });
});

describe('lovage queues / dashboard', () => {
  it('lists every tier queue with its counts', async () => {
    const stats = await json<{ queue: string; visible: number; deadLetters: number }[]>('queues');
    expect(stats.map((s) => s.queue)).toEqual(Object.keys(env.config.queues).sort());
    for (const s of stats) expect(s.visible).toBeGreaterThanOrEqual(0);
    const table = await lovage('queues');
    expect(table.stdout.split('\n')[0]).toMatch(
      /^queue\s+visible\s+in flight\s+delayed\s+oldest\s+dlq$/,
    );
  });

  it('refreshes the queue table with --watch until interrupted', async () => {
    const child = spawn(process.execPath, [BIN, 'queues', '--watch', '1'], { env: process.env });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    await eventually(
      'two refreshes',
      async () => ((stdout.match(/^queue\s+visible/gm) ?? []).length >= 2 ? true : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 200,
      },
    );
    child.kill('SIGINT');
    expect(stdout).toContain('email/high');
  });

  it("prints the dashboard's console address", async () => {
    const out = await lovage('dashboard');
    expect(out.stdout.trim()).toBe(
      `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/${env.config.dashboardName}`,
    );
  });
});

describe('lovage dlq', () => {
  it('shows a failed task, redrives nothing on a dry run, and brings it back to SUCCESS once its cause is fixed', async () => {
    const domain = `late-${randomUUID().slice(0, 8)}.test`;
    const handle = await env.lovage.send('email.send', {
      from: `noreply@${domain}`,
      to: ['success@simulator.amazonses.com'],
      subject: 'redrive me',
      text: 'sent before the sender was verified',
    });
    expect((await finished(handle.id)).state).toBe('FAILURE');

    const listed = await eventually('the letter in dlq list', async () => {
      const letters = await json<{ taskId: string; errorType: string }[]>(
        'dlq',
        'list',
        '--queue',
        'email/high',
      );
      return letters.find((l) => l.taskId === handle.id);
    });
    expect(listed.errorType).toBe('UnrecoverableError');

    const shown = await lovage('dlq', 'show', handle.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('reason: UnrecoverableError: SES rejected the message');
    expect(shown.stdout).toContain(`${handle.id}  FAILURE  email.send`);

    const dry = await json<{ matched: number; moved: number }>(
      'dlq',
      'redrive',
      '--task',
      'email.send',
      '--error-type',
      'UnrecoverableError',
      '--dry-run',
    );
    expect(dry.moved).toBe(0);
    expect(dry.matched).toBeGreaterThanOrEqual(1);
    expect((await env.lovage.get(handle.id)).state).toBe('FAILURE');

    // Fix the cause: verify the sender's domain, then redrive just this task's letters.
    await new SESv2Client({}).send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    const moved = await json<{ moved: number; skipped: unknown[] }>(
      'dlq',
      'redrive',
      '--queue',
      'email/high',
      '--task',
      'email.send',
      '--since',
      since,
      '--rate',
      '50',
    );
    expect(moved.moved).toBeGreaterThanOrEqual(1);
    const after = await eventually('the redriven task to succeed', async () => {
      const status = await env.lovage.get(handle.id);
      return status.state === 'SUCCESS' ? status : undefined;
    });
    expect(after.result).toMatchObject({ recipients: 1 });
  });

  it('purges one DLQ with --yes', async () => {
    const { id } = await json<{ id: string }>(
      'send',
      'diagnostics.fail',
      '{"kind":"unrecoverable","message":"purge drill"}',
    );
    expect((await finished(id)).state).toBe('FAILURE');
    await eventually('the drill letter in the diagnostics DLQ', async () => {
      const letters = await json<{ taskId: string }[]>(
        'dlq',
        'list',
        '--queue',
        'diagnostics/normal',
      );
      return letters.find((l) => l.taskId === id);
    });
    const purged = await json<{ purged: string[] }>(
      'dlq',
      'purge',
      '--queue',
      'diagnostics/normal',
      '--yes',
    );
    expect(purged.purged).toEqual(['diagnostics/normal']);
    const after = await json<{ taskId: string }[]>('dlq', 'list', '--queue', 'diagnostics/normal');
    expect(after.map((l) => l.taskId)).not.toContain(id);
  });

  it('refuses to purge without --yes when there is no terminal to ask', async () => {
    const out = await lovage('dlq', 'purge', '--queue', 'email/low');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('refusing to purge without --yes');
  });
});

describe('lovage schedules', () => {
  it('lists, pauses, resumes and runs the beat schedule now', async () => {
    const list = await json<{ name: string; state: string; task: string }[]>('schedules', 'list');
    expect(list).toContainEqual(
      expect.objectContaining({ name: 'email-quota-check', task: 'email.check_quota' }),
    );

    expect((await json<{ state: string }>('schedules', 'pause', 'email-quota-check')).state).toBe(
      'DISABLED',
    );
    try {
      const paused = await json<{ name: string; state: string }[]>('schedules', 'list');
      expect(paused.find((s) => s.name === 'email-quota-check')?.state).toBe('DISABLED');
      const doctor = await json<{ status: string; subject: string }[]>('doctor');
      expect(doctor).toContainEqual(
        expect.objectContaining({ status: 'warning', subject: 'schedule email-quota-check' }),
      );
    } finally {
      // Resumed whatever happened above: the beat tests of other files need this schedule.
      expect(
        (await json<{ state: string }>('schedules', 'resume', 'email-quota-check')).state,
      ).toBe('ENABLED');
    }

    const sent = await json<{ taskId: string }>('schedules', 'run-now', 'email-quota-check');
    expect(sent.taskId).toMatch(/^beat:email-quota-check:manual-/);
    expect((await finished(sent.taskId)).state).toBe('SUCCESS');

    const missing = await lovage('schedules', 'pause', 'no-such-schedule');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("no schedule 'no-such-schedule'");
  });
});

describe('lovage doctor', () => {
  it('reports a table that lost its TTL, and --fix restores it', async () => {
    await new DynamoDBClient({}).send(
      new UpdateTimeToLiveCommand({
        TableName: env.config.tableName,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: false },
      }),
    );
    const broken = await lovage('doctor');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/mismatch\s+\S+ TimeToLive/);

    const fixed = await lovage('doctor', '--fix');
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).toMatch(/fixed: \S+ TimeToLive -> ENABLED on expiresAt/);

    const healthy = await lovage('doctor');
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toMatch(/doctor: \d+ checked, 0 mismatch\(es\)/);
  });

  it('refuses --fix against an AWS endpoint before calling anything', async () => {
    const out = await lovageWith(
      { ...process.env, AWS_ENDPOINT_URL: 'https://cloudformation.us-east-1.amazonaws.com' },
      'doctor',
      '--fix',
    );
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--fix only runs against a local emulator');
  });
});
