/**
 * Workflows on the local emulator, printed side by side:
 *
 * 1. A chord of N members (default 100, diagnostics.add) and a callback: wall time from
 *    sending to SUCCESS, and the client's requests by action (counted by SDK middleware).
 *    Then the engine's requests per member completion: the N members' committed SUCCESS
 *    records are replayed through an in-process WorkflowEngine against the deployed table
 *    (the same conditional ADD the observer made live; the workflow has ended, so nothing is
 *    sent again). In the replay every member finds the join complete and reads the header;
 *    live only the last one does, so the figure is an upper bound. O(N) shows as a constant.
 * 2. The per-step overhead of a chain: a 10-step chain against 10 independent sends run one
 *    after another (send, wait, send, ...), each timed end to end.
 *
 *   AWS_ENDPOINT_URL=http://127.0.0.1:4566 npx tsx bench/workflows.ts [members]
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catalog } from '../src/catalog/index.js';
import { LovageClient } from '../src/client/index.js';
import { isLocalEndpoint } from '../src/drift/local-endpoint.js';
import type { TaskRecord } from '../src/protocol/records.js';
import { WorkflowEngine } from '../src/workflows/engine.js';
import { pathOf } from '../src/workflows/plan.js';
import { taskRecords } from '../src/workflows/store.js';

const endpoint = process.env.AWS_ENDPOINT_URL ?? '';
if (!isLocalEndpoint(endpoint)) {
  console.error(`bench/workflows.ts runs against a local emulator only, not '${endpoint}'`);
  process.exit(2);
}
const members = Number(process.argv[2] ?? 100);
const STEPS = 10;

type Counts = Map<string, number>;
/** Counts every request `client` makes, by command name. */
function counted<T extends { middlewareStack: { add: (...a: never[]) => void } }>(
  client: T,
  counts: Counts,
): T {
  (client.middlewareStack.add as (m: unknown, o: unknown) => void)(
    (next: (a: unknown) => unknown, context: { commandName?: string }) => (args: unknown) => {
      const name = context.commandName ?? '?';
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return client;
}
const total = (c: Counts) => [...c.values()].reduce((a, b) => a + b, 0);
const show = (c: Counts) =>
  [...c.entries()]
    .sort()
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

const clientCounts: Counts = new Map();
const sqs = counted(new SQSClient({ useQueueUrlAsEndpoint: false }), clientCounts);
const dynamodb = counted(new DynamoDBClient({}), clientCounts);
const lovage = await LovageClient.fromStack(catalog, { sqs, dynamodb });
const run = Date.now().toString(36);

// 1. The chord.
let started = Date.now();
const chord = await lovage.chord(
  Array.from({ length: members }, (_, i) => ({
    task: 'diagnostics.add' as const,
    args: { value: i },
  })),
  { task: 'diagnostics.collect' },
  { id: `bench-chord-${run}` },
);
const sendCounts = new Map(clientCounts);
const chordStatus = await chord.wait({ timeoutMs: 600_000, intervalMs: 1000 });
const chordMs = Date.now() - started;
if (chordStatus.state !== 'SUCCESS') throw new Error(`chord ended ${chordStatus.state}`);

const engineCounts: Counts = new Map();
const engineDb = DynamoDBDocumentClient.from(counted(new DynamoDBClient({}), engineCounts));
const engine = new WorkflowEngine({
  db: engineDb,
  tableName: lovage.config.tableName,
  sqs: counted(new SQSClient({ useQueueUrlAsEndpoint: false }), engineCounts),
  queues: Object.fromEntries(Object.entries(lovage.config.queues).map(([k, v]) => [k, v.url])),
  catalog,
  logger: new Logger({ logLevel: 'ERROR' }),
});
const memberIds = chordStatus.steps.filter((s) => s.path.startsWith('m')).map((s) => s.id);
const records = await taskRecords(
  DynamoDBDocumentClient.from(new DynamoDBClient({})),
  lovage.config.tableName,
  memberIds,
);
for (const id of memberIds) {
  const record = records.get(id) as TaskRecord;
  const path = pathOf(chord.id, id);
  if (!path) throw new Error(`${id} is no step of ${chord.id}`);
  await engine.onStepFinished({ workflowId: chord.id, path, record });
}

// 2. A 10-step chain against 10 independent sends, one after another.
started = Date.now();
const chain = await lovage.chain([
  { task: 'diagnostics.add', args: { value: 0 } },
  ...Array.from({ length: STEPS - 1 }, () => ({ task: 'diagnostics.add' as const })),
]);
const chainStatus = await chain.wait({ timeoutMs: 300_000, intervalMs: 100 });
const chainMs = Date.now() - started;
if (chainStatus.state !== 'SUCCESS') throw new Error(`chain ended ${chainStatus.state}`);
started = Date.now();
for (let i = 0; i < STEPS; i++) {
  const handle = await lovage.send('diagnostics.add', {
    value: i,
    add: 1,
    trail: [],
    journal: false,
  });
  await lovage.wait(handle.id, { timeoutMs: 60_000, intervalMs: 100, maxIntervalMs: 100 });
}
const sendsMs = Date.now() - started;

console.log(`chord of ${members} members + callback (emulator, ${endpoint})`);
console.log(`  send to SUCCESS            ${(chordMs / 1000).toFixed(1)} s`);
console.log(`  client requests to send    ${total(sendCounts)} (${show(sendCounts)})`);
console.log(
  `  engine requests / member   ${(total(engineCounts) / members).toFixed(2)} (${total(engineCounts)} for ${members}: ${show(engineCounts)})`,
);
console.log(`chain of ${STEPS} steps vs ${STEPS} independent sends, one after another`);
console.log(`  chain                      ${(chainMs / 1000).toFixed(1)} s`);
console.log(`  independent sends          ${(sendsMs / 1000).toFixed(1)} s`);
console.log(
  `  ratio chain / sends        ${(chainMs / sendsMs).toFixed(2)}  (per-step overhead ${((chainMs - sendsMs) / STEPS).toFixed(0)} ms)`,
);
