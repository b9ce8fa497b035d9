import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { TaskSystemStack } from '../../lib/task-system-stack.js';
import { categoryCatalog } from '../../src/catalog/category-catalog.js';
import {
  catalog,
  defineCatalog,
  PingArgs,
  ProcessLogFileArgs,
  task,
} from '../../src/catalog/index.js';
import { templateApp } from '../helpers/app.js';

type Statement = { Action: string | string[]; Resource: unknown };
type Policies = Record<string, { Properties: { PolicyDocument: { Statement: Statement[] } } }>;
type Functions = Record<
  string,
  { Properties: { Environment?: { Variables?: Record<string, unknown> } } }
>;

const statementsOf = (template: Template, role: RegExp): Statement[] =>
  Object.entries(template.findResources('AWS::IAM::Policy') as Policies)
    .filter(([id]) => role.test(id))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
const actions = (s: Statement) => [s.Action].flat();
const functionEnv = (template: Template, id: RegExp) =>
  Object.entries(template.findResources('AWS::Lambda::Function') as Functions).find(([key]) =>
    id.test(key),
  )?.[1].Properties.Environment?.Variables ?? {};

describe('workflow engine in the task stream observer', () => {
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(new TaskSystemStack(templateApp(), 'Wf', { catalog }));
  });

  it('gives the observer the task table and every tier queue', () => {
    const env = functionEnv(template, /^StreamObserver/);
    expect(env.LOVAGE_TASK_TABLE).toBeDefined();
    const directory = JSON.stringify(env.LOVAGE_WORKFLOW_QUEUES);
    for (const c of catalog.categories) {
      for (const tier of catalog.tiersOf(c.name)) expect(directory).toContain(`${c.name}/${tier}`);
    }
  });

  it('lets the observer read and write the task table by key only, never its indexes', () => {
    const table = statementsOf(template, /^StreamObserverRole/).filter(
      (s) =>
        actions(s).includes('dynamodb:UpdateItem') &&
        JSON.stringify(s.Resource).includes('StoreTable'),
    );
    expect(table).toHaveLength(1);
    expect(actions(table[0] as Statement).sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    ]);
    expect(JSON.stringify(table[0]?.Resource)).not.toContain('index');
  });
});

describe('ctx.send across categories', () => {
  const sending = defineCatalog({
    categories: {
      logs: {
        sends: ['diagnostics.ping'],
        tasks: { 'logs.process_file': task({ schema: ProcessLogFileArgs }) },
      },
      diagnostics: { tasks: { 'diagnostics.ping': task({ schema: PingArgs, tier: 'high' }) } },
    },
  });
  let template: Template;
  beforeAll(() => {
    template = Template.fromStack(
      new TaskSystemStack(templateApp(), 'Sends', { catalog: sending }),
    );
  });

  it("lists exactly the sent tasks' queues in the sender's environment and grants sending to them", () => {
    const env = functionEnv(template, /^logsworker/);
    const directory = JSON.stringify(env.LOVAGE_SEND_QUEUES);
    expect(directory).toContain('diagnostics/high');
    expect(directory).not.toContain('logs/');
    const sends = statementsOf(template, /^logsworkerRole/).filter((s) =>
      actions(s).includes('sqs:SendMessage'),
    );
    expect(JSON.stringify(sends)).toMatch(/diagnosticsqueues/);
  });

  it('gives a category that sends nothing of others no send directory', () => {
    expect(functionEnv(template, /^diagnosticsworker/).LOVAGE_SEND_QUEUES).toBeUndefined();
  });

  it('fails if a sends entry is not a task of the catalog', () => {
    expect(() =>
      defineCatalog({
        categories: {
          logs: {
            sends: ['diagnostics.nope'],
            tasks: { 'logs.process_file': task({ schema: ProcessLogFileArgs }) },
          },
        },
      }),
    ).toThrow(/sends entry 'diagnostics.nope' is not a task of the catalog/);
  });
});

describe("a category function's catalog with sends", () => {
  const logsThatSend = {
    sends: ['diagnostics.ping'],
    tasks: { 'logs.process_file': task({ schema: ProcessLogFileArgs }) },
  } as const;
  const pinging = { tasks: { 'diagnostics.ping': task({ schema: PingArgs }) } } as const;

  it('builds with the categories it sends to, so ctx.send can validate their payloads', () => {
    const built = categoryCatalog('logs', logsThatSend, { diagnostics: pinging });
    expect(built.category('logs').sends).toEqual(['diagnostics.ping']);
    expect(built.parseArgs('diagnostics.ping', { message: 'hi' })).toMatchObject({ message: 'hi' });
    expect(() => built.parseArgs('diagnostics.ping', { message: 7 })).toThrow(/message/);
  });

  it('fails if the categories it sends to are not passed, saying how to pass them', () => {
    expect(() => categoryCatalog('logs', logsThatSend)).toThrow(
      /sends entry 'diagnostics.ping' is not a task of the catalog \(.*categoryCatalog's sendsTo\)/,
    );
  });
});
