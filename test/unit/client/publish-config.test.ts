import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from '../../../src/catalog/index.js';
import {
  LovageClient,
  loadStackConfig,
  PublishError,
  queueArnOf,
  StackConfigError,
} from '../../../src/client/index.js';
import { config } from './fixtures.js';

const events = mockClient(EventBridgeClient);
const cfn = mockClient(CloudFormationClient);
const lovage = new LovageClient(catalog, config, { eventBridge: new EventBridgeClient({}) });

afterEach(() => {
  events.reset();
  cfn.reset();
});

describe('publish', () => {
  it('puts the event on the stack bus with source, detail-type and JSON detail', async () => {
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
    const id = await lovage.publish({
      source: 'shop.orders',
      detailType: 'OrderPlaced',
      detail: { orderId: 'o-42' },
    });
    expect(id).toBe('ev-1');
    expect(events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries).toEqual([
      {
        EventBusName: 'bus',
        Source: 'shop.orders',
        DetailType: 'OrderPlaced',
        Detail: '{"orderId":"o-42"}',
      },
    ]);
  });

  it('throws PublishError with the bus reason when the entry is refused', async () => {
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'oops' }],
    });
    await expect(lovage.publish({ source: 'shop', detailType: 'X', detail: {} })).rejects.toThrow(
      "bus 'bus' refused event 'X' from 'shop': InternalFailure: oops",
    );
  });

  it('fails before sending if the source is reserved or the detail is not an object', async () => {
    await expect(lovage.publish({ source: 'aws.s3', detailType: 'X', detail: {} })).rejects.toThrow(
      PublishError,
    );
    await expect(
      // @ts-expect-error detail must be an object
      lovage.publish({ source: 'shop', detailType: 'X', detail: [1] }),
    ).rejects.toThrow(/must be a JSON object/);
    expect(events.calls()).toHaveLength(0);
  });
});

describe('stack config', () => {
  const outputs = {
    TaskTableName: 't',
    TierQueues: JSON.stringify(config.queues),
    ScheduleGroupName: 'b',
    DelayScheduleGroupName: 'd',
    DelayRoleArn: 'arn:aws:iam::1:role/r',
    EventBusName: 'bus',
    DashboardName: 'dash',
  };

  it('reads outputs and the region, account and partition from the stack id', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Lovage',
          StackId: 'arn:aws-cn:cloudformation:cn-north-1:111122223333:stack/Lovage/abc',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({
            OutputKey,
            OutputValue,
          })),
        },
      ],
    });
    const read = await loadStackConfig({ cloudFormation: new CloudFormationClient({}) });
    expect(read).toMatchObject({
      region: 'cn-north-1',
      account: '111122223333',
      partition: 'aws-cn',
      delayScheduleGroup: 'd',
      queues: config.queues,
    });
  });

  it('fails if an output is missing, naming it', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'Lovage',
          StackId: 'arn:aws:cloudformation:us-east-1:1:stack/Lovage/abc',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [],
        },
      ],
    });
    await expect(loadStackConfig({ cloudFormation: new CloudFormationClient({}) })).rejects.toThrow(
      new StackConfigError(
        "stack 'Lovage' has no output 'TaskTableName'; redeploy it with this version of Lovage",
      ),
    );
  });

  it('builds a queue ARN from its URL, on AWS and on an emulator', () => {
    expect(queueArnOf(config, 'https://sqs.eu-west-1.amazonaws.com/123456789012/email-low')).toBe(
      'arn:aws:sqs:eu-west-1:123456789012:email-low',
    );
    expect(queueArnOf(config, 'http://localhost:4566/000000000000/q')).toBe(
      'arn:aws:sqs:eu-west-1:000000000000:q',
    );
    expect(() => queueArnOf(config, 'http://localhost:4566/')).toThrow(/does not end in/);
  });
});
