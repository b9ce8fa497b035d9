/**
 * `npm run demo`: the whole path on this machine. Starts the emulator (or uses the one at
 * AWS_ENDPOINT_URL), deploys the stack, sends a few tasks with the client, waits for them and
 * prints their results, then shows what the dead-letter queue holds and the CLI commands to
 * try next. The emulator keeps running afterwards; `npm run local:down` stops it.
 */
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { catalog } from '../src/catalog/index.js';
import { LovageClient, type TaskHandle, type TaskStatus } from '../src/client/index.js';
import { detectAwsTarget } from '../src/local/index.js';
import { startEmulator } from './lib/emulator.js';
import { localEnv } from './lib/endpoint.js';
import { isEntryPoint, runMain } from './lib/main.js';
import { logger, PROJECT_ROOT } from './lib/project.js';
import { localDeploy } from './local-deploy.js';

const log = logger('demo');
const SENDER_DOMAIN = 'lovage.demo';

export async function demo(): Promise<number> {
  // The user's shell, before the emulator settings below: what the printed commands will see.
  const shell = { ...process.env };
  const { endpoint } = await startEmulator();
  // Every SDK client below reads the emulator endpoint and dummy credentials from here.
  Object.assign(process.env, localEnv());
  await localDeploy();

  // SES sends only from verified identities; on the emulator, creating one verifies it.
  await new SESv2Client({})
    .send(new CreateEmailIdentityCommand({ EmailIdentity: SENDER_DOMAIN }))
    .catch((error: Error) => {
      if (error.name !== 'AlreadyExistsException') throw error;
    });

  const sqs = new SQSClient({ useQueueUrlAsEndpoint: false });
  const lovage = await LovageClient.fromStack(catalog, { sqs });
  const sent: [string, TaskHandle][] = [
    [
      'welcome e-mail (high tier)',
      await lovage.send('email.send', {
        from: `hello@${SENDER_DOMAIN}`,
        to: ['success@simulator.amazonses.com'],
        subject: 'Welcome to Lovage',
        text: 'Your first background task ran on Lambda.',
      }),
    ],
    ['SES quota check (low tier)', await lovage.send('email.check_quota', { warnAtPercent: 80 })],
    [
      'e-mail from an unverified sender',
      await lovage.send('email.send', {
        from: 'someone@unverified.example',
        to: ['success@simulator.amazonses.com'],
        subject: 'This one fails',
        text: 'SES refuses unverified senders, so this task fails and is dead-lettered.',
      }),
    ],
  ];
  log(`sent ${sent.length} tasks; waiting for results`);

  const results = await Promise.all(
    sent.map(([, handle]) => lovage.wait(handle.id, { timeoutMs: 90_000 })),
  );
  console.log('');
  sent.forEach(([label, handle], i) => {
    const status = results[i] as TaskStatus;
    console.log(`${label}\n  task ${handle.task}  id ${handle.id}\n  state ${status.state}`);
    if (status.result !== undefined) console.log(`  result ${JSON.stringify(status.result)}`);
    if (status.error) console.log(`  error ${status.error.type}: ${status.error.message}`);
  });

  const dlq = lovage.config.queues['email/high']?.dlq;
  if (dlq) {
    const letters = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: dlq,
        MaxNumberOfMessages: 10,
        MessageAttributeNames: ['All'],
        VisibilityTimeout: 0,
      }),
    );
    console.log(`\nemail/high dead-letter queue: ${letters.Messages?.length ?? 0} message(s)`);
    for (const m of letters.Messages ?? []) {
      const attrs = m.MessageAttributes ?? {};
      console.log(
        `  ${attrs['lovage-id']?.StringValue}: ${attrs['lovage-error-type']?.StringValue}: ${attrs['lovage-error-message']?.StringValue}`,
      );
    }
  }
  const [welcome] = sent;
  const commands = await nextCommands({ env: shell, endpoint, taskId: welcome?.[1].id ?? '<id>' });
  console.log(
    `\nThe emulator is still running at ${endpoint}; the beat sends email.check_quota every minute.` +
      `\nTry the CLI on it:\n${commands.map((command) => `  ${command}`).join('\n')}` +
      '\nStop it with: npm run local:down',
  );
  return 0;
}

/**
 * The CLI commands to try after the demo, written so that they work as printed in the shell
 * the demo ran in: plain `npm run lovage -- ...` when the CLI finds this emulator by itself
 * (the one local:up started in this checkout, or the shell's AWS_ENDPOINT_URL), otherwise
 * with `AWS_ENDPOINT_URL=...` in front (an emulator local:up found already running, or a shell
 * whose AWS settings point elsewhere).
 */
export async function nextCommands(options: {
  readonly env: NodeJS.ProcessEnv;
  readonly endpoint: string;
  readonly taskId: string;
}): Promise<string[]> {
  const target = await detectAwsTarget({ env: options.env, cwd: PROJECT_ROOT });
  const found = target.kind === 'local' && target.endpoint === options.endpoint;
  const cli = `${found ? '' : `AWS_ENDPOINT_URL=${options.endpoint} `}npm run lovage --`;
  return [`${cli} queues`, `${cli} status ${options.taskId}`, `${cli} dlq list`];
}

if (isEntryPoint(import.meta.url)) runMain('demo', demo);
