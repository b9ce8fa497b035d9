import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  RemoteEndpointError,
  refuseRemoteRequests,
  remoteEndpoints,
  resolvedEndpoint,
} from '../../../src/drift/client-endpoints.js';
import { assertLocalClients, driftClientsFor } from '../../../src/ops/doctor.js';

const ENDPOINT_VARIABLES = [
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_CONFIG_FILE',
  'AWS_PROFILE',
];
let saved: NodeJS.ProcessEnv;
beforeEach(() => {
  saved = { ...process.env };
  for (const name of ENDPOINT_VARIABLES) delete process.env[name];
  // Resolution never signs or sends, but DynamoDB's rules read the credentials' account.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_CONFIG_FILE: join(tmpdir(), 'lovage-no-such-config'),
  });
});
afterEach(() => {
  process.env = saved;
});

const endpoints = async () => ({
  dynamodb: await resolvedEndpoint(
    new DynamoDBClient({ region: 'eu-west-1' }),
    new ListTablesCommand({}),
  ),
  sqs: await resolvedEndpoint(new SQSClient({ region: 'eu-west-1' }), new ListQueuesCommand({})),
});
const probes = () => [
  {
    service: 'dynamodb',
    client: new DynamoDBClient({ region: 'eu-west-1' }),
    command: new ListTablesCommand({}),
  },
  {
    service: 'sqs',
    client: new SQSClient({ region: 'eu-west-1' }),
    command: new ListQueuesCommand({}),
  },
];

describe('the endpoint an SDK client resolves', () => {
  it('is the regional AWS endpoint by default, and AWS_ENDPOINT_URL when set', async () => {
    expect(await endpoints()).toEqual({
      dynamodb: 'https://dynamodb.eu-west-1.amazonaws.com',
      sqs: 'https://sqs.eu-west-1.amazonaws.com',
    });
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    expect(await remoteEndpoints(probes())).toEqual([]);
  });

  it('follows AWS_ENDPOINT_URL_<SERVICE> over AWS_ENDPOINT_URL', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://localhost:4566';
    process.env.AWS_ENDPOINT_URL_DYNAMODB = 'https://dynamodb.eu-west-1.amazonaws.com';
    expect(await remoteEndpoints(probes())).toEqual([
      { service: 'dynamodb', endpoint: 'https://dynamodb.eu-west-1.amazonaws.com' },
    ]);
  });

  it('follows AWS_IGNORE_CONFIGURED_ENDPOINT_URLS back to AWS', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://localhost:4566';
    process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS = 'true';
    expect((await remoteEndpoints(probes())).map((r) => r.service)).toEqual(['dynamodb', 'sqs']);
  });

  it('follows endpoint_url in the shared config file, per service too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lovage-config-'));
    writeFileSync(
      join(dir, 'config'),
      '[default]\nendpoint_url = http://localhost:4566\nservices = split\n\n[services split]\nsqs =\n  endpoint_url = https://sqs.eu-west-1.amazonaws.com\n',
    );
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    expect(await endpoints()).toEqual({
      dynamodb: 'http://localhost:4566',
      sqs: 'https://sqs.eu-west-1.amazonaws.com',
    });
  });
});

describe('doctor --fix, local only', () => {
  it('fails naming each service that resolves to AWS, before anything is sent', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    process.env.AWS_ENDPOINT_URL_SQS = 'https://sqs.us-east-1.amazonaws.com';
    const attempt = assertLocalClients(driftClientsFor('us-east-1'), 'lovage doctor --fix');
    await expect(attempt).rejects.toBeInstanceOf(RemoteEndpointError);
    await expect(attempt).rejects.toThrow(
      'lovage doctor --fix only runs against a local emulator, but sqs resolves to https://sqs.us-east-1.amazonaws.com; on AWS, run cdk deploy',
    );
  });

  it('passes when every client is local, and then refuses any request bound elsewhere', async () => {
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:4566';
    const aws = driftClientsFor('us-east-1');
    await assertLocalClients(aws, 'lovage doctor --fix');
    const client = new SQSClient({ region: 'us-east-1', endpoint: 'https://sqs.amazonaws.com' });
    refuseRemoteRequests(client, 'lovage doctor --fix');
    await expect(client.send(new ListQueuesCommand({}))).rejects.toThrow(
      'lovage doctor --fix only talks to a local emulator; refused https://sqs.amazonaws.com',
    );
  });
});
