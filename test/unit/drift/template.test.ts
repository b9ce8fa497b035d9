import { describe, expect, it } from 'vitest';
import {
  findStackArtifact,
  parseStackArn,
  type ResolveContext,
  resolveValue,
} from '../../../src/drift/template.js';

const ctx: ResolveContext = {
  region: 'us-east-1',
  accountId: '000000000000',
  partition: 'aws',
  stackName: 'Lovage',
  physicalIds: {
    Queue: 'http://localhost:4566/000000000000/Lovage-Queue-1',
    Key: 'key-123',
    Worker: 'Lovage-Worker-1',
    Table: 'Lovage-Table-1',
    Topic: 'arn:aws:sns:us-east-1:000000000000:alerts',
  },
  types: {
    Queue: 'AWS::SQS::Queue',
    Key: 'AWS::KMS::Key',
    Worker: 'AWS::Lambda::Function',
    Table: 'AWS::DynamoDB::Table',
    Topic: 'AWS::SNS::Topic',
  },
  queueAttributes: { Queue: { QueueArn: 'arn:aws:sqs:us-east-1:000000000000:Lovage-Queue-1' } },
  tableStreamArns: {
    Table:
      'arn:aws:dynamodb:us-east-1:000000000000:table/Lovage-Table-1/stream/2026-11-30T00:00:00.000',
  },
};

describe('resolveValue', () => {
  it.each([
    [{ Ref: 'Queue' }, 'http://localhost:4566/000000000000/Lovage-Queue-1'],
    [{ Ref: 'AWS::Region' }, 'us-east-1'],
    [{ 'Fn::GetAtt': ['Queue', 'Arn'] }, 'arn:aws:sqs:us-east-1:000000000000:Lovage-Queue-1'],
    [{ 'Fn::GetAtt': 'Queue.QueueName' }, 'Lovage-Queue-1'],
    [{ 'Fn::GetAtt': ['Key', 'Arn'] }, 'arn:aws:kms:us-east-1:000000000000:key/key-123'],
    [
      { 'Fn::GetAtt': ['Worker', 'Arn'] },
      'arn:aws:lambda:us-east-1:000000000000:function:Lovage-Worker-1',
    ],
    [
      { 'Fn::GetAtt': ['Table', 'Arn'] },
      'arn:aws:dynamodb:us-east-1:000000000000:table/Lovage-Table-1',
    ],
    [
      { 'Fn::GetAtt': ['Table', 'StreamArn'] },
      'arn:aws:dynamodb:us-east-1:000000000000:table/Lovage-Table-1/stream/2026-11-30T00:00:00.000',
    ],
    [{ 'Fn::Join': ['-', ['a', { Ref: 'AWS::AccountId' }]] }, 'a-000000000000'],
  ])('resolves %j', (value, expected) => {
    expect(resolveValue(value, ctx)).toEqual({ ok: true, value: expected });
  });

  it('resolves Fn::Sub with pseudo parameters, resources, attributes, variables and escapes', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
    const text = '${AWS::StackName}/${Worker}/${!Literal}';
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
    const escaped = '${Literal}';
    expect(resolveValue({ 'Fn::Sub': text }, ctx)).toEqual({
      ok: true,
      value: `Lovage/Lovage-Worker-1/${escaped}`,
    });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax
    const withVariables = ['${Name}-${Queue.Arn}', { Name: 'x' }];
    expect(resolveValue({ 'Fn::Sub': withVariables }, ctx)).toEqual({
      ok: true,
      value: 'x-arn:aws:sqs:us-east-1:000000000000:Lovage-Queue-1',
    });
  });

  it('resolves nested objects and arrays property by property', () => {
    expect(resolveValue({ a: [1, { Ref: 'Table' }], b: true }, ctx)).toEqual({
      ok: true,
      value: { a: [1, 'Lovage-Table-1'], b: true },
    });
  });

  it.each([
    [{ Ref: 'Nope' }, 'Nope has no physical id'],
    [{ 'Fn::GetAtt': ['Topic', 'TopicName'] }, 'cannot resolve Fn::GetAtt Topic.TopicName'],
    [{ 'Fn::ImportValue': 'x' }, 'cannot resolve Fn::ImportValue'],
    [{ 'Fn::If': ['Cond', 1, 2] }, 'cannot resolve Fn::If'],
  ])('refuses to guess %j', (value, reason) => {
    const resolved = resolveValue(value, ctx);
    expect(resolved.ok).toBe(false);
    expect(resolved.ok ? '' : resolved.reason).toContain(reason);
  });
});

describe('findStackArtifact', () => {
  const manifest = {
    artifacts: {
      Tree: { type: 'cdk:tree' },
      Lovage: {
        type: 'aws:cloudformation:stack',
        displayName: 'Lovage',
        properties: { templateFile: 'Lovage.template.json', stackName: 'Lovage-dev' },
      },
    },
  };

  it('finds a stack by its id or its CloudFormation name', () => {
    const expected = {
      id: 'Lovage',
      stackName: 'Lovage-dev',
      templateFile: 'Lovage.template.json',
    };
    expect(findStackArtifact(manifest, 'Lovage')).toEqual(expected);
    expect(findStackArtifact(manifest, 'Lovage-dev')).toEqual(expected);
  });

  it('returns undefined for a stack the assembly does not have', () => {
    expect(findStackArtifact(manifest, 'Other')).toBeUndefined();
    expect(findStackArtifact(manifest, 'Tree')).toBeUndefined();
  });
});

describe('parseStackArn', () => {
  it('reads partition, region and account from a stack ARN', () => {
    expect(
      parseStackArn('arn:aws:cloudformation:eu-west-1:123456789012:stack/Lovage/1a2b'),
    ).toEqual({ partition: 'aws', region: 'eu-west-1', accountId: '123456789012' });
    expect(parseStackArn('not-an-arn')).toBeUndefined();
  });
});
