import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ENDPOINT,
  isLocalEndpoint,
  localEnv,
  resolveEndpoint,
  s3Endpoint,
} from '../../../scripts/lib/endpoint.js';

describe('isLocalEndpoint', () => {
  it.each([
    'http://127.0.0.1:4566',
    'http://127.1.2.3:4566',
    'http://localhost:4566',
    'http://LOCALHOST:4566/',
    'https://localhost',
    'http://s3.localhost:4566',
    'http://[::1]:4566',
    'http://localstack:4566',
    'http://ministack:4566',
    'http://host.docker.internal:4566',
  ])('accepts the emulator endpoint %s', (url) => {
    expect(isLocalEndpoint(url)).toBe(true);
  });

  it.each([
    'https://sqs.us-east-1.amazonaws.com',
    'https://dynamodb.eu-west-1.amazonaws.com',
    'https://localhost.amazonaws.com',
    'https://127.0.0.1.amazonaws.com',
    'http://localstack.example.com:4566',
    'http://ministack.internal:4566',
    'http://localhost.evil.com:4566',
    'http://10.0.0.5:4566',
    'http://192.168.1.10:4566',
    'http://0.0.0.0:4566',
    'http://128.0.0.1:4566',
    'http://user:pass@localhost:4566',
    'ftp://localhost:4566',
    'localhost:4566',
    '',
  ])('refuses %s', (url) => {
    expect(isLocalEndpoint(url)).toBe(false);
  });
});

describe('resolveEndpoint', () => {
  it('defaults to the emulator port on loopback', () => {
    expect(resolveEndpoint({})).toBe(DEFAULT_ENDPOINT);
  });

  it('uses AWS_ENDPOINT_URL without a trailing slash', () => {
    expect(resolveEndpoint({ AWS_ENDPOINT_URL: 'http://localhost:4567/' })).toBe(
      'http://localhost:4567',
    );
  });
});

describe('localEnv', () => {
  it('fills in the endpoint, the S3 endpoint, a region and dummy credentials', () => {
    const env = localEnv({ PATH: '/bin' });
    expect(env).toMatchObject({
      PATH: '/bin',
      AWS_ENDPOINT_URL: DEFAULT_ENDPOINT,
      AWS_ENDPOINT_URL_S3: DEFAULT_ENDPOINT,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
  });

  it('keeps a region and credentials that are set', () => {
    const env = localEnv({
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'secret',
      AWS_SESSION_TOKEN: 'token',
    });
    expect(env).toMatchObject({
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SESSION_TOKEN: 'token',
    });
  });

  it('drops a session token that would be paired with the dummy keys, and any profile', () => {
    const env = localEnv({ AWS_SESSION_TOKEN: 'stale', AWS_PROFILE: 'prod' });
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
    expect(env.AWS_PROFILE).toBeUndefined();
  });

  it('addresses S3 on localhost by IP so that buckets are reached path-style', () => {
    const env = localEnv({ AWS_ENDPOINT_URL: 'http://localhost:4566' });
    expect(env.AWS_ENDPOINT_URL).toBe('http://localhost:4566');
    expect(env.AWS_ENDPOINT_URL_S3).toBe('http://127.0.0.1:4566');
    expect(s3Endpoint('http://localstack:4566')).toBe('http://localstack:4566');
  });

  it('lets cdklocal keep the region and credentials it would otherwise strip', () => {
    const env = localEnv({ AWS_ENVAR_ALLOWLIST: 'AWS_CA_BUNDLE' });
    expect(env.AWS_ENVAR_ALLOWLIST?.split(',')).toEqual(
      expect.arrayContaining(['AWS_CA_BUNDLE', 'AWS_REGION', 'AWS_ACCESS_KEY_ID']),
    );
  });
});
