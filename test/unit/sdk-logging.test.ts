import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { HttpResponse } from '@smithy/core/transport';
import { describe, expect, it, vi } from 'vitest';
import { withoutSdkLogging } from '../../src/sdk-logging.js';

/** An SDK client config whose HTTP handler answers `{}` at once and counts requests. */
function answeringConfig(logger: { info: () => void }) {
  const sent: string[] = [];
  const requestHandler = {
    async handle(request: { headers: Record<string, string> }) {
      sent.push(request.headers['x-amz-target'] ?? '');
      return {
        response: new HttpResponse({
          statusCode: 200,
          headers: { 'content-type': 'application/x-amz-json-1.0' },
          body: Buffer.from('{}'),
        }),
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  const noop = () => {};
  return {
    sent,
    config: {
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      endpoint: 'https://dynamodb.us-east-1.amazonaws.com',
      requestHandler,
      logger: { debug: noop, warn: noop, error: noop, ...logger },
    },
  };
}

const update = () =>
  new UpdateItemCommand({
    TableName: 't',
    Key: { pk: { S: 'TASK#1' }, sk: { S: 'TASK' } },
    UpdateExpression: 'SET #s = :s',
    ExpressionAttributeNames: { '#s': 'state' },
    ExpressionAttributeValues: { ':s': { S: 'STARTED' } },
  });

describe('withoutSdkLogging', () => {
  it('the SDK hands every call, input filtered, to the logger middleware by default', async () => {
    const info = vi.fn();
    const { config } = answeringConfig({ info });
    await new DynamoDBClient(config).send(update());
    expect(info).toHaveBeenCalledTimes(1);
    expect(info.mock.calls[0]?.[0]).toMatchObject({
      commandName: 'UpdateItemCommand',
      input: { TableName: 't', UpdateExpression: 'SET #s = :s' },
    });
  });

  it('takes that middleware off: the call still goes out and answers, and nothing is filtered or logged', async () => {
    const info = vi.fn();
    const { config, sent } = answeringConfig({ info });
    const client = withoutSdkLogging(new DynamoDBClient(config));
    await expect(client.send(update())).resolves.toMatchObject({
      $metadata: { httpStatusCode: 200 },
    });
    expect(sent).toEqual(['DynamoDB_20120810.UpdateItem']);
    expect(info).not.toHaveBeenCalled();
  });

  it('finds the middleware under its name on every client the runtime and the observer build', () => {
    const clients = [
      new DynamoDBClient({ region: 'us-east-1' }),
      new SQSClient({ region: 'us-east-1' }),
      new SchedulerClient({ region: 'us-east-1' }),
      new EventBridgeClient({ region: 'us-east-1' }),
    ];
    for (const client of clients) {
      expect(client.middlewareStack.identify()).toContain('loggerMiddleware - initialize');
      withoutSdkLogging(client);
      expect(client.middlewareStack.identify().filter((m) => /logger/i.test(m))).toEqual([]);
    }
  });
});
