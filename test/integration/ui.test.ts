/**
 * `lovage ui` in a real browser against the deployed stack: the real command started as a user
 * starts it, headless Chromium clicking and typing in the page, and every outcome checked where
 * it lands (the task table through the client, the queues through SQS). The same run saves
 * screenshots of the main pages: into docs/ui/ with LOVAGE_UI_SCREENSHOTS=docs (what the
 * README shows), else into .lovage/ui-screenshots/.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../scripts/lib/project.js';
import { listSchedules } from '../../src/ops/index.js';
import {
  type Browser,
  launchBrowser,
  lowContrast,
  startUiProcess,
  tabTo,
  type UiProcess,
} from '../helpers/browser.js';
import { deployed, eventually, verifiedSender } from '../helpers/deployed.js';

const SHOTS =
  process.env.LOVAGE_UI_SCREENSHOTS === 'docs'
    ? join(PROJECT_ROOT, 'docs', 'ui')
    : join(PROJECT_ROOT, '.lovage', 'ui-screenshots');
const PAGE_BUDGET_BYTES = 200 * 1024;

let env: Awaited<ReturnType<typeof deployed>>;
let ui: UiProcess;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  env = await deployed();
  mkdirSync(SHOTS, { recursive: true });
  // The browser first: when it cannot be had, nothing is left running.
  browser = await launchBrowser();
  ui = await startUiProcess();
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
});

afterAll(async () => {
  await browser?.close();
  await ui?.stop();
});

/** Opens a page of the UI, first through the printed address when this browser has no session. */
const open = async (path: string) => {
  if ((await browser.context.cookies(ui.origin)).length === 0) await page.goto(ui.url);
  return page.goto(`${ui.origin}${path}`);
};
const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`) });
/** Waits for `text` to be visible in the page. */
const see = (text: string | RegExp, timeout = 60_000) =>
  page.getByText(text).first().waitFor({ state: 'visible', timeout });

async function dlqDepth(url: string): Promise<number> {
  const out = await env.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  const a = out.Attributes ?? {};
  return (
    Number(a.ApproximateNumberOfMessages ?? 0) +
    Number(a.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

describe('lovage ui', () => {
  it('opens with the printed address, drops the token from it, and the first page transfers under 200 KB', async () => {
    const sizes: Promise<number>[] = [];
    const count = (request: Request) =>
      sizes.push(request.sizes().then((s) => s.responseBodySize + s.responseHeadersSize));
    page.on('requestfinished', count);
    await page.goto(ui.url);
    await page.getByRole('heading', { name: /^Health/ }).waitFor({ timeout: 60_000 });
    await page.waitForLoadState('networkidle');
    page.off('requestfinished', count);
    const bytes = (await Promise.all(sizes)).reduce((a, b) => a + b, 0);
    console.log(
      `first page: ${bytes} bytes transferred in ${sizes.length} responses (budget ${PAGE_BUDGET_BYTES})`,
    );
    expect(sizes.length).toBeGreaterThanOrEqual(4); // page, script, stylesheet, API reads
    expect(bytes).toBeLessThan(PAGE_BUDGET_BYTES);
    expect(page.url()).toBe(`${ui.origin}/`);
    // Without the cookie the address gave, nothing answers.
    const anonymous = await fetch(`${ui.origin}/api/meta`);
    expect(anonymous.status).toBe(401);
    await shot('overview');
  });

  it('shows a sent task with its state and its args redacted, and finds it by id', async () => {
    const sender = await verifiedSender();
    const { id } = await env.lovage.send('email.send', {
      from: sender,
      to: ['success@simulator.amazonses.com'],
      subject: 'from the UI test',
      text: 'hello',
    });
    expect((await env.lovage.wait(id, { timeoutMs: 120_000 })).state).toBe('SUCCESS');

    await open('/tasks?task=email.send&since=1h');
    const row = page.locator(`tr[data-task-id="${id}"]`);
    await row.waitFor({ timeout: 30_000 });
    expect(await row.textContent()).toContain('SUCCESS');
    await shot('tasks');

    await page.getByLabel('Find a task by id').fill(id);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${ui.origin}/tasks/${id}`);
    await page.locator('.headline .state-success').waitFor();
    const args = (await page.locator('pre[aria-label="Arguments"]').textContent()) ?? '';
    expect(args).toContain('from the UI test');
    expect(args).toContain('[redacted]');
    expect(args).not.toContain('simulator.amazonses.com');
    expect(args).not.toContain(sender);
    expect(await page.locator('pre[aria-label="Result"]').textContent()).toContain('messageId');
  });

  it("moves a running task's progress bar as the task reports progress", async () => {
    // 3 s of pauses, well within the task's 5 s soft limit on a busy machine (8 steps of 500 ms
    // ran past it once), progress written after every step.
    const { id } = await env.lovage.send('diagnostics.work', {
      steps: 6,
      hashesPerStep: 1,
      pauseMs: 500,
    });
    await open(`/tasks/${id}`);
    const bar = page.getByRole('progressbar', { name: 'Task progress' });
    await bar.waitFor({ timeout: 90_000 });
    const first = Number(await bar.getAttribute('value'));
    await eventually(
      'the progress bar to move',
      async () => (Number(await bar.getAttribute('value')) > first ? true : undefined),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await shot('task');
    expect((await env.lovage.wait(id, { timeoutMs: 60_000 })).state).toBe('SUCCESS');
    await page.locator('.headline .state-success').waitFor({ timeout: 30_000 });
  });

  it('revokes a task from the page with the keyboard alone, and the client reads REVOKED', async () => {
    // Not email/low: the client tests wait for that queue to hold no delayed messages.
    const { id } = await env.lovage.send(
      'email.check_quota',
      {},
      { countdownSeconds: 600, tier: 'high' },
    );
    await open(`/tasks/${id}`);
    await page.getByRole('button', { name: 'Revoke' }).waitFor();
    await tabTo(page, 'Revoke');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Revoke this task?' }).waitFor();
    // Focus is inside the dialog (Cancel first); the page behind it cannot be reached.
    await tabTo(page, 'Revoke', 3);
    await page.keyboard.press('Enter');
    await see('Revoked.');
    const status = await env.lovage.get(id);
    expect(status.state).toBe('REVOKED');
    expect(status.history?.at(-1)?.note).toContain('revoked from the lovage UI');
    await page.locator('.headline .state-revoked').waitFor();
  });

  it('redrives a dead letter to SUCCESS: the letter beside its record, a dry run, then the run', async () => {
    // SES refuses an unverified sender, so this task fails for good and is dead-lettered.
    const domain = `ui-${randomUUID().slice(0, 8)}.test`;
    const { id } = await env.lovage.send('email.send', {
      from: `noreply@${domain}`,
      to: ['success@simulator.amazonses.com'],
      subject: 'dead letter drill',
      text: 'fails until its sender is verified',
    });
    expect((await env.lovage.wait(id, { timeoutMs: 120_000 })).state).toBe('FAILURE');

    await open('/dead-letters?queue=email%2Fhigh');
    const row = page.locator(`tr[data-task-id="${id}"]`);
    await row.waitFor({ timeout: 60_000 });
    await row.getByRole('button').click();
    await page.getByRole('heading', { name: `Letter of ${id}` }).waitFor({ timeout: 60_000 });
    const panel = (await page.locator('.letter-panel').textContent()) ?? '';
    expect(panel).toContain('UnrecoverableError');
    expect(panel).toContain('FAILURE');
    // The message's args are redacted. (SES's error text names the sender; the record and
    // the logs keep errors as the task raised them, and so does the page.)
    const message =
      (await page.getByLabel("The letter's message", { exact: true }).textContent()) ?? '';
    expect(message).toContain('dead letter drill');
    expect(message).toContain('[redacted]');
    expect(message).not.toContain(`noreply@${domain}`);
    expect(message).not.toContain('simulator.amazonses.com');
    await shot('dead-letters');

    // The operator fixes the cause, then redrives from the task's page.
    await new SESv2Client({}).send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
    await open(`/tasks/${id}`);
    await page.getByRole('button', { name: /Find its letter/ }).click();
    await page.getByRole('button', { name: 'Dry run' }).click();
    await see('Dry run: 1 of 1 letter(s) would move.');
    expect((await env.lovage.get(id)).state).toBe('FAILURE');
    await page.getByRole('button', { name: 'Redrive 1 letter' }).click();
    await see('Moved 1 of 1 letter(s).');
    const done = await env.lovage.wait(id, { timeoutMs: 120_000 });
    expect(done.state).toBe('SUCCESS');
    expect(done.history?.some((h) => h.note === 'redriven from the dead-letter queue')).toBe(true);
    await page.locator('.headline .state-success').waitFor({ timeout: 30_000 });
    // The redrive's outcome is still in view once the task has finished.
    expect(await page.getByText('Moved 1 of 1 letter(s).').isVisible()).toBe(true);
  });

  it('purges a DLQ only once its name is typed, and no other site can make it purge', async () => {
    const dlq = env.queue('diagnostics', 'normal').dlq;
    await env.sqs.send(new SendMessageCommand({ QueueUrl: dlq, MessageBody: '{"not":"a task"}' }));
    expect(await dlqDepth(dlq)).toBeGreaterThanOrEqual(1);

    // Another origin on this machine (same site: the session cookie goes along) and another
    // site (localhost): a form post, and fetches with and without a JSON content type.
    const attacker = await attackerSite(ui.origin);
    try {
      for (const origin of attacker.origins) {
        await page.goto(`${origin}/fetch`);
        await page.waitForFunction("document.title === 'done'", undefined, { timeout: 15_000 });
        await page.goto(`${origin}/form`);
        await page.waitForLoadState('load');
      }
    } finally {
      attacker.server.close();
    }
    expect(await dlqDepth(dlq)).toBeGreaterThanOrEqual(1);
    // With the session cookie and the UI's own origin, but no action token or a wrong one.
    const url = `${ui.origin}/api/queues/purge`;
    const data = {
      queue: 'diagnostics/normal',
      which: 'dead-letters',
      confirm: 'diagnostics/normal',
    };
    for (const token of [undefined, 'guess']) {
      const refused = await browser.context.request.post(url, {
        data,
        headers: { origin: ui.origin, ...(token ? { 'x-lovage-action-token': token } : {}) },
      });
      expect(refused.status()).toBe(403);
      expect((await refused.json()).message).toContain('action token');
    }
    expect(await dlqDepth(dlq)).toBeGreaterThanOrEqual(1);
    expect(ui.stderr()).not.toContain('purge');

    await open('/queues');
    await page.getByRole('button', { name: 'Purge dead letters of diagnostics/normal' }).click();
    const dialog = page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Purge' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type diagnostics/normal to confirm').fill('diagnostics/normal');
    expect(await confirm.isDisabled()).toBe(false);
    await confirm.click();
    await see(/Purged the dead-letter queue of diagnostics\/normal/);
    await eventually('the DLQ to be empty', async () =>
      (await dlqDepth(dlq)) === 0 ? true : undefined,
    );
    expect(ui.stderr()).toContain('purge /api/queues/purge');
    await shot('queues');
  });

  it('pauses, resumes and runs a schedule now', async () => {
    await open('/schedules');
    const row = page.locator('tr[data-schedule="email-quota-check"]');
    await row.getByRole('button', { name: 'Pause email-quota-check' }).click();
    await row.getByRole('button', { name: 'Resume email-quota-check' }).waitFor();
    expect(await scheduleState('email-quota-check')).toBe('DISABLED');
    await row.getByRole('button', { name: 'Resume email-quota-check' }).click();
    await row.getByRole('button', { name: 'Pause email-quota-check' }).waitFor();
    expect(await scheduleState('email-quota-check')).toBe('ENABLED');
    await row.getByRole('button', { name: 'Run email-quota-check now' }).click();
    await see(/Sent a tick of email-quota-check/);
    const taskId = (await page.locator('[role="status"] a').textContent()) ?? '';
    expect(taskId).toMatch(/^beat:email-quota-check:manual-/);
    expect((await env.lovage.wait(taskId, { timeoutMs: 120_000 })).state).toBe('SUCCESS');
    await shot('schedules');
  });

  it('shows a workflow as a tree of its steps with their states, and a step links back to it', async () => {
    const flow = await env.lovage.chain([
      { task: 'diagnostics.add', args: { value: 1, add: 1 } },
      { task: 'diagnostics.add', args: { add: 10 } },
      { task: 'diagnostics.add' },
    ]);
    const status = await flow.wait({ timeoutMs: 120_000 });
    expect(status.state).toBe('SUCCESS');

    await open(`/workflows/${flow.id}`);
    const last = status.steps.at(-1)?.path ?? '';
    await page.locator(`li[data-step-path="${last}"][data-state="SUCCESS"]`).waitFor({
      timeout: 30_000,
    });
    const shown = await page
      .locator('li[data-step-path]')
      .evaluateAll((items) =>
        items.map((li) => [li.getAttribute('data-step-path'), li.getAttribute('data-state')]),
      );
    expect(shown).toEqual(status.steps.map((step) => [step.path, 'SUCCESS']));
    await see('chain of 3 steps');
    const result = await page.getByLabel('Workflow result').textContent();
    expect(JSON.parse(result ?? '')).toEqual(status.result);
    expect(await lowContrast(page)).toEqual([]);
    await shot('workflow');

    // A step's own page says which workflow it belongs to, and links back.
    await page.locator(`li[data-step-path="${status.steps[1]?.path}"] a`).click();
    const link = page
      .locator('dl.details div', { has: page.locator('dt', { hasText: /^workflow$/ }) })
      .getByRole('link');
    await link.waitFor({ timeout: 30_000 });
    expect(await link.textContent()).toBe(flow.id);
    // Its root is the workflow, not a task: no second link to a task page that has no record.
    expect(await page.getByRole('link', { name: flow.id, exact: true }).count()).toBe(1);
    await link.click();
    await page.getByRole('heading', { name: /^Workflow/ }).waitFor({ timeout: 30_000 });
    expect(page.url()).toBe(`${ui.origin}/workflows/${flow.id}`);
  });

  it('reads clearly on every main page: WCAG AA contrast for all text', async () => {
    for (const path of ['/', '/tasks', '/queues', '/dead-letters', '/schedules']) {
      await open(path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      expect(await lowContrast(page), path).toEqual([]);
    }
  });

  it('says in the page when the stack or the credentials are missing', async () => {
    const stack = `Missing${randomUUID().slice(0, 6)}`;
    const missing = await startUiProcess(['--stack', stack]);
    try {
      await page.goto(missing.url);
      await see('Lovage cannot reach the stack');
      await see(new RegExp(`cannot read stack '${stack}'`));
    } finally {
      await missing.stop();
    }
    // Outside a checkout, with no credentials anywhere (and no instance metadata to ask).
    const home = mkdtempSync(join(tmpdir(), 'lovage-ui-home-'));
    const bare = await startUiProcess([], {
      cwd: home,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        AWS_REGION: 'eu-west-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_CONFIG_FILE: join(home, 'none'),
        AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
      },
    });
    try {
      await page.goto(bare.url);
      await see('Lovage cannot reach the stack');
      await see(/no usable AWS credentials/);
      expect((await page.locator('.target').textContent()) ?? '').toContain('AWS');
    } finally {
      await bare.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});

async function scheduleState(name: string): Promise<string> {
  const all = await listSchedules(env.config, new SchedulerClient({}));
  return all.find((s) => s.name === name)?.state ?? 'missing';
}

/**
 * A page on another port that tries to purge the diagnostics DLQ through the UI: a form post
 * (no preflight), a `text/plain` fetch (no preflight) and a JSON fetch (preflighted).
 */
async function attackerSite(target: string): Promise<{ server: Server; origins: string[] }> {
  const body = JSON.stringify({
    queue: 'diagnostics/normal',
    which: 'dead-letters',
    confirm: 'diagnostics/normal',
  });
  const pages: Record<string, string> = {
    '/form': `<form id="f" method="POST" enctype="text/plain" action="${target}/api/queues/purge"><input name='${body.slice(0, -1)},"x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`,
    '/fetch': `<script>
      const url = ${JSON.stringify(`${target}/api/queues/purge`)};
      const body = ${JSON.stringify(body)};
      Promise.allSettled([
        fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body }),
        fetch(url, { method: 'POST', credentials: 'include', headers: { 'content-type': 'application/json', 'x-lovage-action-token': 'guess' }, body }),
      ]).then(() => { document.title = 'done'; });
    </script>`,
  };
  const server = createServer((request, response) => {
    const html = pages[request.url ?? ''];
    response.writeHead(html ? 200 : 404, { 'content-type': 'text/html' }).end(html ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { server, origins: [`http://127.0.0.1:${port}`, `http://localhost:${port}`] };
}
