import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { LovageError } from '../errors.js';

/** One bad input field and what is wrong with it. */
export interface FieldIssue {
  /** Dotted path: `args.to.0`, `tier`, `query.limit`. */
  readonly field: string;
  readonly message: string;
}

/**
 * An error the API answers with its own status and a JSON body
 * `{ "error": code, "message": ..., "fields"?: [...] }`.
 */
export class HttpError extends LovageError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: readonly FieldIssue[],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Largest request body accepted: an envelope is at most 256 KiB, so no valid task needs more. */
export const MAX_BODY_BYTES = 262_144;

export type Response = APIGatewayProxyStructuredResultV2;

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

export function json(status: number, body: unknown): Response {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...SECURITY_HEADERS },
    body: JSON.stringify(body),
  };
}

export function text(status: number, body: string, contentType: string): Response {
  return {
    statusCode: status,
    headers: { 'content-type': contentType, ...SECURITY_HEADERS },
    body,
  };
}

export function errorResponse(error: HttpError): Response {
  return json(error.status, {
    error: error.code,
    message: error.message,
    ...(error.fields ? { fields: error.fields } : {}),
  });
}

/**
 * The request body as JSON: 413 over MAX_BODY_BYTES (checked before
 * parsing), 400 when it is not JSON; an empty body is `undefined`.
 */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  if (!event.body) return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body);
  if (raw.byteLength > MAX_BODY_BYTES) {
    throw new HttpError(
      413,
      'PayloadTooLarge',
      `request body is ${raw.byteLength} bytes; the limit is ${MAX_BODY_BYTES} bytes (256 KiB): put large inputs in S3 and send a reference`,
    );
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new HttpError(
      400,
      'InvalidJson',
      `request body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

/**
 * Query parameters checked against the ones a route knows: an unknown one
 * is a 400 naming it (a typo never silently widens a query).
 */
export function queryOf(
  event: APIGatewayProxyEventV2,
  known: readonly string[],
): Record<string, string | undefined> {
  return checkQuery(event.queryStringParameters ?? {}, known);
}

/** {@link queryOf} for any parsed query (the UI's server reads its own). */
export function checkQuery(
  query: Record<string, string | undefined>,
  known: readonly string[],
): Record<string, string | undefined> {
  const unknown = Object.keys(query).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new HttpError(
      400,
      'InvalidQuery',
      `unknown query parameter(s): ${unknown.join(', ')}; this route takes ${known.join(', ') || 'none'}`,
      unknown.map((k) => ({ field: `query.${k}`, message: 'unknown parameter' })),
    );
  }
  return query;
}

/** A whole number query parameter, or undefined when absent. */
export function intParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    throw new HttpError(400, 'InvalidQuery', `${name} ('${value}') must be a whole number`, [
      { field: `query.${name}`, message: 'must be a whole number' },
    ]);
  }
  return Number(value);
}

/** A time query parameter: ISO-8601 or epoch milliseconds. */
export function timeParam(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new HttpError(
      400,
      'InvalidQuery',
      `${name} ('${value}') must be an ISO-8601 time or epoch ms`,
      [{ field: `query.${name}`, message: 'must be an ISO-8601 time or epoch ms' }],
    );
  }
  return date;
}
