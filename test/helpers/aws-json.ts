import { SQSClient } from '@aws-sdk/client-sqs';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * One call of an AWS JSON-protocol API (X-Amz-Target), SigV4-signed, at
 * AWS_ENDPOINT_URL: for the few test reads the project has no SDK client for
 * (the DynamoDB Streams API).
 */
export async function awsJson<T>(service: string, target: string, body: unknown): Promise<T> {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL is not set');
  const region = process.env.AWS_REGION ?? 'us-east-1';
  const url = new URL(endpoint);
  const payload = JSON.stringify(body);
  const signer = new SignatureV4({
    service,
    region,
    credentials: new SQSClient({ region }).config.credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: '/',
    headers: {
      host: url.host,
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': target,
    },
    body: payload,
  });
  const res = await fetch(endpoint, { method: 'POST', headers: signed.headers, body: payload });
  const text = await res.text();
  if (!res.ok) throw new Error(`${target} failed: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}
