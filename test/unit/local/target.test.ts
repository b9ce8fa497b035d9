import { describe, expect, it } from 'vitest';
import { isLocalEndpoint } from '../../../src/drift/local-endpoint.js';
import {
  type AwsTarget,
  AwsTargetError,
  awsClientConfig,
  type CheckoutEmulator,
  consultsCheckout,
  DUMMY_CREDENTIALS,
  describeTarget,
  isAwsEndpoint,
  isLocalTarget,
  resolveAwsTarget,
  type TargetInputs,
  targetNotice,
} from '../../../src/local/index.js';

const FILE = '/repo/.lovage/emulator.json';
const STARTED = '2026-11-30T06:53:57.774Z';
const checkout = (endpoint: string, answers = true): CheckoutEmulator => ({
  marker: { endpoint, startedAt: STARTED, pid: 4242 },
  file: FILE,
  answers,
});
/** The emulator `npm run local:up` started in the checkout, answering. */
const UP = checkout('http://127.0.0.1:4566');
const REAL_KEYS = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const DUMMY_KEYS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' };

const resolve = (inputs: Partial<TargetInputs>): AwsTarget =>
  resolveAwsTarget({ env: {}, ...inputs });

describe('resolveAwsTarget: nothing set', () => {
  it('uses the emulator local:up started in the checkout, with us-east-1 and dummy keys', () => {
    const target = resolve({ checkout: UP });
    expect(target).toEqual({
      kind: 'local',
      source: 'checkout',
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
      credentials: DUMMY_CREDENTIALS,
      startedAt: STARTED,
    });
    expect(awsClientConfig(target)).toEqual({
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });

  it('announces the checkout emulator in one line that names it and how to go elsewhere', () => {
    const notice = targetNotice(resolve({ checkout: UP }));
    expect(notice).toBe(
      'using the local emulator at http://127.0.0.1:4566 (started by npm run local:up in this checkout); set AWS_PROFILE or AWS_ENDPOINT_URL to use another',
    );
    expect(notice).not.toContain('\n');
  });

  it('takes the region from AWS_REGION, else AWS_DEFAULT_REGION, as local:deploy does', () => {
    expect(resolve({ env: { AWS_REGION: 'eu-west-1' }, checkout: UP })).toMatchObject({
      kind: 'local',
      region: 'eu-west-1',
    });
    expect(resolve({ env: { AWS_DEFAULT_REGION: 'ap-south-1' }, checkout: UP })).toMatchObject({
      kind: 'local',
      region: 'ap-south-1',
    });
  });

  it('treats empty and blank variables as unset', () => {
    const env = { AWS_ENDPOINT_URL: '', AWS_PROFILE: '  ', AWS_ACCESS_KEY_ID: '' };
    expect(resolve({ env, checkout: UP })).toMatchObject({ kind: 'local', source: 'checkout' });
  });

  it('without a checkout emulator, leaves everything to the SDK (a default profile, a role)', () => {
    const target = resolve({});
    expect(target).toEqual({ kind: 'configured' });
    expect(awsClientConfig(target)).toEqual({});
    expect(targetNotice(target)).toBeUndefined();
    expect(describeTarget(target)).toBe('AWS');
  });

  it('refuses, rather than going to AWS, when the checkout emulator no longer answers', () => {
    const target = resolve({ checkout: checkout('http://127.0.0.1:4566', false) });
    expect(target).toMatchObject({ kind: 'refused', local: true });
    const reason = (target as { reason: string }).reason;
    expect(reason).toContain('http://127.0.0.1:4566');
    expect(reason).toContain(FILE);
    expect(reason).toContain('does not answer');
    expect(reason).toContain('npm run local:up');
    expect(() => awsClientConfig(target)).toThrow(AwsTargetError);
  });

  it('refuses a marker that names a non-local endpoint, so dummy keys never follow it', () => {
    for (const endpoint of ['https://sqs.us-east-1.amazonaws.com', 'http://10.0.0.5:4566', '']) {
      const target = resolve({ checkout: checkout(endpoint) });
      expect(target).toMatchObject({ kind: 'refused', local: false });
      expect((target as { reason: string }).reason).toContain(FILE);
    }
  });
});

describe('resolveAwsTarget: the user set an endpoint', () => {
  it('uses a local AWS_ENDPOINT_URL over the checkout emulator, without a notice', () => {
    const target = resolve({
      env: { AWS_ENDPOINT_URL: 'http://localhost:4572/' },
      checkout: UP,
    });
    expect(target).toEqual({
      kind: 'local',
      source: 'environment',
      endpoint: 'http://localhost:4572',
      region: 'us-east-1',
      credentials: DUMMY_CREDENTIALS,
    });
    expect(targetNotice(target)).toBeUndefined();
    expect(describeTarget(target)).toBe(
      'the local endpoint http://localhost:4572 (AWS_ENDPOINT_URL), region us-east-1',
    );
  });

  it('sends the environment keys (with their session token) to a local endpoint, as local:deploy did', () => {
    const target = resolve({
      env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', ...REAL_KEYS, AWS_SESSION_TOKEN: 'tok' },
    });
    expect(awsClientConfig(target).credentials).toEqual({
      accessKeyId: REAL_KEYS.AWS_ACCESS_KEY_ID,
      secretAccessKey: REAL_KEYS.AWS_SECRET_ACCESS_KEY,
      sessionToken: 'tok',
    });
  });

  it('with a profile and a local endpoint, signs with dummy keys like local:deploy (no profile read)', () => {
    const config = awsClientConfig(
      resolve({ env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566', AWS_PROFILE: 'prod' } }),
    );
    expect(config).toEqual({
      endpoint: 'http://127.0.0.1:4566',
      region: 'us-east-1',
      credentials: DUMMY_CREDENTIALS,
    });
  });

  it('leaves a non-local endpoint and its credentials to the SDK, ignoring the checkout', () => {
    const target = resolve({
      env: { AWS_ENDPOINT_URL: 'https://devbox.example.com:4566', AWS_REGION: 'eu-west-1' },
      checkout: UP,
    });
    expect(target).toEqual({
      kind: 'configured',
      endpoint: 'https://devbox.example.com:4566',
      region: 'eu-west-1',
      chosenBy: 'AWS_ENDPOINT_URL',
      passedOver: 'http://127.0.0.1:4566',
    });
    expect(awsClientConfig(target)).toEqual({ region: 'eu-west-1' });
  });

  it('lets per-service endpoints pick their own service when all are local', () => {
    const target = resolve({
      env: {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
        AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4599',
      },
    });
    expect(target).toMatchObject({ kind: 'local', perServiceEndpoints: true });
    const config = awsClientConfig(target);
    expect(config.endpoint).toBeUndefined();
    expect(config.credentials).toEqual(DUMMY_CREDENTIALS);
  });

  it('treats a local service endpoint without AWS_ENDPOINT_URL as "the rest goes to AWS"', () => {
    const target = resolve({
      env: { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566' },
      checkout: UP,
    });
    expect(target).toEqual({
      kind: 'configured',
      chosenBy: 'AWS_ENDPOINT_URL_SQS',
      passedOver: 'http://127.0.0.1:4566',
    });
    expect(awsClientConfig(target).credentials).toBeUndefined();
  });

  it('does not fill in dummy keys when one service endpoint is AWS', () => {
    const target = resolve({
      env: {
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
        AWS_ENDPOINT_URL_DYNAMODB: 'https://dynamodb.us-east-1.amazonaws.com',
      },
    });
    expect(target.kind).toBe('configured');
    expect(awsClientConfig(target).credentials).toBeUndefined();
  });

  it('follows AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: the endpoint variables no longer count', () => {
    const target = resolve({
      env: {
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      },
      checkout: UP,
    });
    expect(target).toEqual({
      kind: 'configured',
      chosenBy: 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
      passedOver: 'http://127.0.0.1:4566',
    });
  });
});

describe('resolveAwsTarget: the user asked for AWS', () => {
  it.each([
    ['AWS_PROFILE', { env: { AWS_PROFILE: 'prod' } }, { profile: 'prod' }],
    ['--profile', { profile: 'staging' }, { profile: 'staging' }],
    ['AWS_ACCESS_KEY_ID', { env: REAL_KEYS }, {}],
    ['AWS_WEB_IDENTITY_TOKEN_FILE', { env: { AWS_WEB_IDENTITY_TOKEN_FILE: '/var/run/token' } }, {}],
    [
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
      { env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/x' } },
      {},
    ],
    ['--region', { region: 'eu-central-1' }, { region: 'eu-central-1' }],
  ] as const)('%s wins over the checkout emulator', (chosenBy, inputs, config) => {
    const target = resolve({ ...inputs, checkout: UP });
    expect(target).toMatchObject({ kind: 'configured', chosenBy });
    expect(awsClientConfig(target)).toEqual(config);
    expect(targetNotice(target)).toBeUndefined();
    expect(isLocalTarget(target)).toBe(false);
    // An error about this target says why the emulator was not used.
    expect(describeTarget(target)).toContain(
      `${chosenBy} chose this over the emulator at http://127.0.0.1:4566 started in this checkout`,
    );
  });

  it('--profile wins over AWS_PROFILE, --region over AWS_REGION', () => {
    const target = resolve({
      env: { AWS_PROFILE: 'prod', AWS_REGION: 'us-west-2' },
      profile: 'staging',
      region: 'eu-west-1',
    });
    expect(target).toMatchObject({
      profile: 'staging',
      region: 'eu-west-1',
      chosenBy: '--profile',
    });
    expect(describeTarget(target)).toBe('AWS, region eu-west-1, profile staging');
  });

  it('a profile wins even when the checkout emulator is down (no refusal: AWS was asked for)', () => {
    const target = resolve({
      env: { AWS_PROFILE: 'prod' },
      checkout: checkout('http://127.0.0.1:4566', false),
    });
    expect(target).toMatchObject({ kind: 'configured', profile: 'prod' });
  });
});

describe('resolveAwsTarget: the dummy keys never go to AWS', () => {
  it("uses the checkout emulator when the only setting is the emulators' dummy keys", () => {
    expect(resolve({ env: DUMMY_KEYS, checkout: UP })).toMatchObject({
      kind: 'local',
      source: 'checkout',
    });
  });

  it.each([
    ['no emulator at all', {}],
    ['a profile', { env: { AWS_PROFILE: 'prod' } }],
    ['--region', { region: 'us-east-1' }],
    ['an AWS endpoint', { env: { AWS_ENDPOINT_URL: 'https://sqs.us-east-1.amazonaws.com' } }],
    ['only a local SQS endpoint', { env: { AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:4566' } }],
  ] as const)('refuses them with %s', (_, inputs) => {
    const target = resolve({
      ...inputs,
      env: { ...DUMMY_KEYS, ...('env' in inputs ? inputs.env : {}) },
    });
    expect(target).toMatchObject({ kind: 'refused', local: false });
    expect((target as { reason: string }).reason).toContain("dummy key 'test'");
    expect(() => awsClientConfig(target)).toThrow(/would go to AWS/);
  });

  it('lets them go to an endpoint the user named that is not AWS (a LocalStack on another host)', () => {
    const target = resolve({ env: { ...DUMMY_KEYS, AWS_ENDPOINT_URL: 'http://devbox:4566' } });
    expect(target).toMatchObject({ kind: 'configured', endpoint: 'http://devbox:4566' });
  });
});

describe('resolveAwsTarget: every combination', () => {
  const values = {
    AWS_ENDPOINT_URL: [
      undefined,
      'http://127.0.0.1:4572',
      'https://cloudformation.us-east-1.amazonaws.com',
      'http://devbox:4566',
    ],
    AWS_ENDPOINT_URL_SQS: [
      undefined,
      'http://localhost:4566',
      'https://sqs.us-east-1.amazonaws.com',
    ],
    AWS_PROFILE: [undefined, 'prod'],
    keys: [undefined, 'real', 'dummy'],
    AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: [undefined, 'true'],
    region: [undefined, 'eu-west-1'],
    profile: [undefined, 'staging'],
    checkout: [undefined, 'up', 'down'],
  } as const;
  const combinations = Object.entries(values).reduce<Record<string, string | undefined>[]>(
    (all, [key, options]) =>
      all.flatMap((partial) => options.map((value) => ({ ...partial, [key]: value }))),
    [{}],
  );
  const cases = combinations.map((c) => {
    const env: Record<string, string> = {};
    for (const key of Object.keys(c).filter((k) => k.startsWith('AWS_'))) {
      if (c[key] !== undefined) env[key] = c[key];
    }
    if (c.keys === 'real') Object.assign(env, REAL_KEYS);
    if (c.keys === 'dummy') Object.assign(env, DUMMY_KEYS);
    const inputs: TargetInputs = {
      env,
      ...(c.region ? { region: c.region } : {}),
      ...(c.profile ? { profile: c.profile } : {}),
      ...(c.checkout ? { checkout: checkout('http://127.0.0.1:4566', c.checkout === 'up') } : {}),
    };
    return { c, inputs, target: resolveAwsTarget(inputs) };
  });

  it('covers all of them', () => {
    expect(cases).toHaveLength(4 * 3 * 2 * 3 * 2 * 2 * 2 * 3);
  });

  it('sends dummy credentials only ever to a local endpoint', () => {
    for (const { inputs, target } of cases) {
      if (target.kind === 'refused') continue;
      const config = awsClientConfig(target);
      const dummyFromUs = config.credentials?.accessKeyId === 'test';
      const dummyFromEnv =
        config.credentials === undefined && inputs.env.AWS_ACCESS_KEY_ID === 'test';
      if (dummyFromUs) {
        expect(target.kind, JSON.stringify(inputs)).toBe('local');
        expect(isLocalEndpoint((target as { endpoint: string }).endpoint)).toBe(true);
      }
      if (dummyFromEnv) {
        // Only towards an endpoint the user named that is none of AWS's.
        const endpoints = Object.entries(inputs.env).filter(([k]) =>
          k.startsWith('AWS_ENDPOINT_URL'),
        );
        expect(inputs.env.AWS_ENDPOINT_URL, JSON.stringify(inputs)).toBeDefined();
        expect(inputs.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS).toBeUndefined();
        for (const [, url] of endpoints) expect(isAwsEndpoint(url ?? '')).toBe(false);
      }
    }
  });

  it('never picks the checkout emulator when the user set an endpoint, a profile, keys or --region', () => {
    for (const { c, inputs, target } of cases) {
      const asked =
        c.AWS_ENDPOINT_URL ||
        c.AWS_ENDPOINT_URL_SQS ||
        c.AWS_PROFILE ||
        c.profile ||
        c.keys === 'real' ||
        c.region ||
        c.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS;
      if (asked) {
        expect(targetNotice(target), JSON.stringify(inputs)).toBeUndefined();
        expect(target.kind === 'local' && target.source === 'checkout').toBe(false);
      }
      expect(consultsCheckout(inputs), JSON.stringify(inputs)).toBe(!asked);
    }
  });

  it('never goes to AWS in place of a checkout emulator that stopped answering', () => {
    for (const { c, inputs, target } of cases) {
      if (c.checkout !== 'down' || !consultsCheckout(inputs)) continue;
      expect(target, JSON.stringify(inputs)).toMatchObject({ kind: 'refused', local: true });
    }
  });

  it('uses the checkout emulator whenever nothing else was asked for and it answers', () => {
    const picked = cases.filter(({ c, inputs }) => c.checkout === 'up' && consultsCheckout(inputs));
    expect(picked.length).toBeGreaterThan(0);
    for (const { target } of picked) {
      expect(target).toMatchObject({ kind: 'local', source: 'checkout' });
    }
  });
});

describe('isAwsEndpoint', () => {
  it.each([
    'https://sqs.us-east-1.amazonaws.com',
    'https://dynamodb.cn-north-1.amazonaws.com.cn',
    'https://sqs.us-east-1.api.aws',
    'https://amazonaws.com.',
  ])('knows %s', (url) => {
    expect(isAwsEndpoint(url)).toBe(true);
  });

  it.each(['http://127.0.0.1:4566', 'http://devbox:4566', 'https://amazonaws.com.evil.io', 'nope'])(
    'does not take %s for AWS',
    (url) => {
      expect(isAwsEndpoint(url)).toBe(false);
    },
  );
});
