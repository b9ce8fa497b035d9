/**
 * Where a developer tool (the `lovage` CLI, `LovageClient.fromCheckout`, later `lovage ui`)
 * sends its AWS calls. The rules, in order:
 *
 * 1. An endpoint the user set (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) wins. When
 *    every such endpoint is local, the rest is what `npm run local:deploy` used (the way
 *    `awslocal` does it): region `AWS_REGION`, else `us-east-1`; the environment's keys, else
 *    dummy `test` ones; no profile, so calls land in the emulator account the stack is in.
 * 2. Otherwise a profile (`--profile`, `AWS_PROFILE`), credentials in the environment (keys other
 *    than the emulator's dummy `test` key, a web identity token, container credentials) or a
 *    `--region` flag mean "the AWS I configured": the SDK's own configuration is used as it is.
 * 3. Otherwise, inside a checkout where `npm run local:up` started an emulator that still
 *    answers, that emulator, announced on stderr.
 * 4. Otherwise the SDK's own configuration (a default profile, instance roles...).
 *
 * Two refusals keep a mistake from reaching AWS: the dummy `test` keys never go towards an AWS
 * endpoint, and an emulator this checkout started that no longer answers is an error rather
 * than a silent switch to whatever AWS account the machine is configured for.
 *
 * Everything here is pure: `resolveAwsTarget` takes the environment, the flags and what the
 * checkout's marker says, so every combination is a unit test.
 */
import { isLocalEndpoint } from '../drift/local-endpoint.js';
import { LovageError } from '../errors.js';

/** Region of local emulator work when none is set; the one `npm run local:deploy` deploys to. */
export const DEFAULT_LOCAL_REGION = 'us-east-1';

/** The emulators' conventional dummy access key (LocalStack, MiniStack accept any). */
export const DUMMY_ACCESS_KEY_ID = 'test';

/** Static credentials, as SDK clients take them. */
export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Dummy credentials, sent only ever to a local endpoint. */
export const DUMMY_CREDENTIALS: StaticCredentials = {
  accessKeyId: DUMMY_ACCESS_KEY_ID,
  secretAccessKey: 'test',
};

/** Credential sources the SDK reads from the environment, besides access keys. */
const CREDENTIAL_VARIABLES = [
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
] as const;

/** Hosts of AWS's own endpoints, commercial, China and dual-stack. */
const AWS_HOST = /(^|\.)(amazonaws\.com|amazonaws\.com\.cn|api\.aws)$/i;

/** What `npm run local:up` records about the emulator it started (`.lovage/emulator.json`). */
export interface LocalEmulatorMarker {
  readonly endpoint: string;
  /** ISO time the emulator was started. */
  readonly startedAt: string;
  /** The emulator's process, when it runs on this machine outside a container. */
  readonly pid?: number;
}

/** The checkout's marker, as found by `findCheckoutEmulator`, and whether its emulator answers. */
export interface CheckoutEmulator {
  readonly marker: LocalEmulatorMarker;
  /** The marker file's path, for messages. */
  readonly file: string;
  readonly answers: boolean;
}

export interface TargetInputs {
  /** The process environment (only `AWS_*` variables are read). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `--region`, when given on the command line. */
  readonly region?: string;
  /** `--profile`, when given on the command line. */
  readonly profile?: string;
  /** The emulator `npm run local:up` started in this checkout, if it recorded one. */
  readonly checkout?: CheckoutEmulator;
}

/** A local emulator: this checkout's, or the one `AWS_ENDPOINT_URL` names. */
export interface LocalTarget {
  readonly kind: 'local';
  readonly endpoint: string;
  readonly region: string;
  /** `checkout`: found through `.lovage/emulator.json`; `environment`: `AWS_ENDPOINT_URL`. */
  readonly source: 'checkout' | 'environment';
  /**
   * The environment's keys, else the dummy ones: what `npm run local:deploy` used, so calls land
   * in the emulator account the stack was deployed to (emulators derive it from the key).
   */
  readonly credentials: StaticCredentials;
  /** Set when `AWS_ENDPOINT_URL_<SERVICE>` variables also name (local) endpoints. */
  readonly perServiceEndpoints?: boolean;
  /** When the checkout's emulator was started (source `checkout` only). */
  readonly startedAt?: string;
}

/** Whatever the SDK's configuration says: AWS, or an endpoint the user set that is not local. */
export interface ConfiguredTarget {
  readonly kind: 'configured';
  /** Undefined: the SDK reads it from the profile (or instance metadata). */
  readonly region?: string;
  readonly profile?: string;
  /** `AWS_ENDPOINT_URL`, when set to something that is not local. */
  readonly endpoint?: string;
  /** The setting that asked for this target, e.g. `AWS_PROFILE`; undefined when nothing did. */
  readonly chosenBy?: string;
  /** The checkout's emulator that `chosenBy` passed over, so that messages can say so. */
  readonly passedOver?: string;
}

/** A combination that must not be used; `reason` says why and what to do. */
export interface RefusedTarget {
  readonly kind: 'refused';
  readonly reason: string;
  /** Whether the refused calls would have gone to a local emulator (a checkout's that stopped). */
  readonly local: boolean;
}

export type AwsTarget = LocalTarget | ConfiguredTarget | RefusedTarget;

/** Settings shared by every AWS SDK v3 client built for a target. */
export interface AwsClientConfig {
  readonly region?: string;
  readonly endpoint?: string;
  readonly credentials?: StaticCredentials;
  readonly profile?: string;
}

/** The environment or the checkout cannot be used as it is (exit code 3 in the CLI). */
export class AwsTargetError extends LovageError {
  constructor(message: string) {
    super(message);
    this.name = 'AwsTargetError';
  }
}

/**
 * Decides where AWS calls go; see the rules in this file's comment.
 *
 * @example
 * resolveAwsTarget({ env: {}, checkout: { marker: { endpoint: 'http://127.0.0.1:4566', startedAt }, file, answers: true } });
 * // { kind: 'local', source: 'checkout', endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', credentials: DUMMY_CREDENTIALS, ... }
 */
export function resolveAwsTarget(inputs: TargetInputs): AwsTarget {
  const env = readEnvironment(inputs);
  const { checkout } = inputs;
  const passedOver = checkout?.marker.endpoint;
  if (env.endpoints.length > 0) return endpointTarget(env, passedOver);
  const chosenBy = explicitChoice(env);
  if (chosenBy) return awsTarget(env, chosenBy, passedOver);

  if (!checkout) return awsTarget(env, undefined, undefined);
  const { marker, file } = checkout;
  if (!isLocalEndpoint(marker.endpoint)) {
    return refused(
      false,
      `${file} does not name a local endpoint (${marker.endpoint || 'none'}); run npm run local:down to remove it, or set AWS_ENDPOINT_URL`,
    );
  }
  if (!checkout.answers) {
    return refused(
      true,
      `npm run local:up started an emulator at ${marker.endpoint} in this checkout (${file}), but it does not answer. ` +
        'Start it again with npm run local:up, forget it with npm run local:down, or pass --profile or --region to use AWS',
    );
  }
  return {
    kind: 'local',
    source: 'checkout',
    endpoint: trimSlash(marker.endpoint),
    region: env.region ?? DEFAULT_LOCAL_REGION,
    credentials: DUMMY_CREDENTIALS,
    startedAt: marker.startedAt,
  };
}

/**
 * Whether `resolveAwsTarget` would look at the checkout's emulator for these inputs, i.e. the
 * user set nothing that decides the target; a caller can skip probing the emulator otherwise.
 */
export function consultsCheckout(inputs: TargetInputs): boolean {
  const env = readEnvironment(inputs);
  return env.endpoints.length === 0 && explicitChoice(env) === undefined;
}

/**
 * SDK client settings for a target; throws {@link AwsTargetError} for a refused one.
 *
 * @example
 * const sqs = new SQSClient({ ...awsClientConfig(target), useQueueUrlAsEndpoint: false });
 */
export function awsClientConfig(target: AwsTarget): AwsClientConfig {
  if (target.kind === 'refused') throw new AwsTargetError(target.reason);
  // With per-service endpoints the SDK picks each service's own; one explicit endpoint would
  // override them all.
  const endpoint =
    target.kind === 'local' && !target.perServiceEndpoints ? target.endpoint : undefined;
  return {
    ...(target.region ? { region: target.region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(target.kind === 'local' ? { credentials: { ...target.credentials } } : {}),
    ...(target.kind === 'configured' && target.profile ? { profile: target.profile } : {}),
  };
}

/**
 * The one line a tool prints when it chose the checkout's emulator on its own, so that nobody
 * mistakes it for AWS; undefined for every other target (the user chose those).
 */
export function targetNotice(target: AwsTarget): string | undefined {
  if (target.kind !== 'local' || target.source !== 'checkout') return undefined;
  return (
    `using the local emulator at ${target.endpoint} (started by npm run local:up in this checkout); ` +
    'set AWS_PROFILE or AWS_ENDPOINT_URL to use another'
  );
}

/** Whether calls go (or, refused, would have gone) to a local emulator rather than AWS. */
export function isLocalTarget(target: AwsTarget): boolean {
  return target.kind === 'local' || (target.kind === 'refused' && target.local);
}

/** Where calls go, for error messages: `the local emulator at ... (AWS_ENDPOINT_URL), region ...`. */
export function describeTarget(target: AwsTarget): string {
  if (target.kind === 'refused') return target.local ? "this checkout's emulator" : 'AWS';
  if (target.kind === 'local') {
    return target.source === 'checkout'
      ? `the local emulator at ${target.endpoint} (started in this checkout), region ${target.region}`
      : `the local endpoint ${target.endpoint} (AWS_ENDPOINT_URL), region ${target.region}`;
  }
  const where = target.endpoint ? `${target.endpoint} (AWS_ENDPOINT_URL)` : 'AWS';
  const region = target.region ? `, region ${target.region}` : '';
  const profile = target.profile ? `, profile ${target.profile}` : '';
  const over =
    target.passedOver && target.chosenBy
      ? `; ${target.chosenBy} chose this over the emulator at ${target.passedOver} started in this checkout`
      : '';
  return `${where}${region}${profile}${over}`;
}

interface Environment {
  readonly region?: string;
  /** `--region`, when the region came from the command line. */
  readonly regionFlag?: string;
  readonly profile?: string;
  readonly profileSource?: string;
  /** A real credential source in the environment, by variable name. */
  readonly credentialSource?: string;
  readonly dummyKeys: boolean;
  /** Both keys from the environment, when set. */
  readonly keys?: StaticCredentials;
  readonly ignoreEndpoints: boolean;
  /** Endpoint variables in effect: `[name, value]`, `AWS_ENDPOINT_URL` first when set. */
  readonly endpoints: readonly (readonly [string, string])[];
}

function readEnvironment(inputs: TargetInputs): Environment {
  const get = (name: string) => {
    const value = inputs.env[name]?.trim();
    return value ? value : undefined;
  };
  const flagProfile = inputs.profile?.trim();
  const profile = flagProfile || get('AWS_PROFILE');
  const keys = get('AWS_ACCESS_KEY_ID');
  const secret = get('AWS_SECRET_ACCESS_KEY');
  const token = get('AWS_SESSION_TOKEN');
  const dummyKeys = keys === DUMMY_ACCESS_KEY_ID;
  const ignoreEndpoints = get('AWS_IGNORE_CONFIGURED_ENDPOINT_URLS')?.toLowerCase() === 'true';
  const endpoints = ignoreEndpoints
    ? []
    : Object.keys(inputs.env)
        .filter((name) => /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(name))
        .sort()
        .flatMap((name) => {
          const value = get(name);
          return value ? [[name, value] as const] : [];
        });
  const flagRegion = inputs.region?.trim();
  return {
    region: flagRegion || get('AWS_REGION') || get('AWS_DEFAULT_REGION'),
    ...(flagRegion ? { regionFlag: '--region' } : {}),
    ...(profile ? { profile, profileSource: flagProfile ? '--profile' : 'AWS_PROFILE' } : {}),
    credentialSource:
      keys && !dummyKeys ? 'AWS_ACCESS_KEY_ID' : CREDENTIAL_VARIABLES.find((name) => get(name)),
    dummyKeys,
    ...(keys && secret
      ? {
          keys: {
            accessKeyId: keys,
            secretAccessKey: secret,
            ...(token ? { sessionToken: token } : {}),
          },
        }
      : {}),
    ignoreEndpoints,
    endpoints,
  };
}

/** Rule 2: the setting that asks for the AWS the SDK is configured for, if any. */
function explicitChoice(env: Environment): string | undefined {
  return (
    env.profileSource ??
    env.credentialSource ??
    env.regionFlag ??
    (env.ignoreEndpoints ? 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS' : undefined)
  );
}

/** Rule 1: the user named endpoints. */
function endpointTarget(env: Environment, passedOver: string | undefined): AwsTarget {
  const global = env.endpoints.find(([name]) => name === 'AWS_ENDPOINT_URL')?.[1];
  const allLocal =
    global !== undefined && env.endpoints.every(([, value]) => isLocalEndpoint(value));
  if (!global || !allLocal) {
    const awsBound = !global || env.endpoints.some(([, value]) => isAwsEndpoint(value));
    const names = env.endpoints.map(([name]) => name).join(', ');
    return dummyKeysTowardsAws(env, awsBound) ?? configured(env, names, global, passedOver);
  }
  return {
    kind: 'local',
    source: 'environment',
    endpoint: trimSlash(global),
    region: env.region ?? DEFAULT_LOCAL_REGION,
    credentials: env.keys ?? DUMMY_CREDENTIALS,
    ...(env.endpoints.length > 1 ? { perServiceEndpoints: true } : {}),
  };
}

/** Rules 2 and 4: the SDK's own configuration, which means AWS's endpoints. */
function awsTarget(
  env: Environment,
  chosenBy: string | undefined,
  passedOver: string | undefined,
): AwsTarget {
  return dummyKeysTowardsAws(env, true) ?? configured(env, chosenBy, undefined, passedOver);
}

function configured(
  env: Environment,
  chosenBy: string | undefined,
  endpoint: string | undefined,
  passedOver: string | undefined,
): ConfiguredTarget {
  return {
    kind: 'configured',
    ...(env.region ? { region: env.region } : {}),
    ...(env.profile ? { profile: env.profile } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(chosenBy ? { chosenBy } : {}),
    ...(chosenBy && passedOver ? { passedOver } : {}),
  };
}

/**
 * Refuses the emulators' dummy keys when calls would go to AWS. Also with a profile set: the
 * SDK prefers the profile today but has announced it may prefer environment keys later.
 */
function dummyKeysTowardsAws(env: Environment, awsBound: boolean): RefusedTarget | undefined {
  if (!env.dummyKeys || !awsBound) return undefined;
  return refused(
    false,
    `AWS_ACCESS_KEY_ID is the emulators' dummy key '${DUMMY_ACCESS_KEY_ID}', but these calls would go to AWS; ` +
      'unset AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or set AWS_ENDPOINT_URL to your emulator ' +
      '(in a checkout, npm run local:up starts one that lovage finds by itself)',
  );
}

function refused(local: boolean, reason: string): RefusedTarget {
  return { kind: 'refused', reason, local };
}

/** Whether `url` is one of AWS's own endpoints (`*.amazonaws.com`, `*.api.aws`, China). */
export function isAwsEndpoint(url: string): boolean {
  try {
    return AWS_HOST.test(new URL(url).hostname.replace(/\.$/, ''));
  } catch {
    return false;
  }
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
