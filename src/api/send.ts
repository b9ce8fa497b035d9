import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { type Catalog, PayloadValidationError, TIERS, UnknownTaskError } from '../catalog/index.js';
import { type LovageClient, SendOptionsError } from '../client/index.js';
import type { SendOptions, TaskHandle } from '../client/types.js';
import { type FieldIssue, HttpError, jsonBody } from './http.js';

/** The body of `POST /tasks/{name}`: the payload and the send options, nothing else. */
const SendBody = z.strictObject({
  args: z.unknown().optional(),
  id: z.string().optional(),
  tier: z.enum(TIERS).optional(),
  countdownSeconds: z.number().optional(),
  eta: z.string().optional(),
  expires: z.string().optional(),
  correlationId: z.string().optional(),
});

/**
 * Runs a task by name from an HTTP request: 404 for a task the catalog does
 * not know, 413 for a body over the limit, 400 for a body that is not JSON
 * or names fields wrongly — every bad field of the body and of `args` in one
 * answer — and only then sends. Nothing is written or sent for a bad request.
 */
export async function sendFromRequest<K extends Catalog>(
  lovage: LovageClient<K>,
  name: string,
  event: APIGatewayProxyEventV2,
): Promise<TaskHandle> {
  const raw = jsonBody(event);
  try {
    lovage.catalog.task(name);
  } catch (error) {
    if (error instanceof UnknownTaskError) throw new HttpError(404, 'UnknownTask', error.message);
    throw error;
  }
  const body = raw ?? {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HttpError(
      400,
      'InvalidBody',
      'request body must be a JSON object: { "args": {...}, "tier"?, "countdownSeconds"?, "eta"?, "expires"?, "id"?, "correlationId"? }',
      [{ field: '(body)', message: 'must be a JSON object' }],
    );
  }
  const issues: FieldIssue[] = [];
  const parsed = SendBody.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) issues.push({ field: key, message: 'unknown field' });
      } else {
        issues.push({
          field: issue.path.map(String).join('.') || '(body)',
          message: issue.message,
        });
      }
    }
  }
  const args = (body as { args?: unknown }).args ?? {};
  try {
    lovage.catalog.parseArgs(name, args);
  } catch (error) {
    if (!(error instanceof PayloadValidationError)) throw error;
    for (const issue of error.issues) {
      issues.push({ field: issue.path ? `args.${issue.path}` : 'args', message: issue.message });
    }
  }
  if (issues.length > 0 || !parsed.success) {
    throw new HttpError(
      400,
      'InvalidRequest',
      `invalid request for task '${name}': ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const { args: _args, ...options } = parsed.data;
  try {
    // The catalog's generic signature is for callers that know the task at compile time.
    const send = lovage.send.bind(lovage) as (
      task: string,
      args: unknown,
      options: SendOptions,
    ) => Promise<TaskHandle>;
    return await send(name, args, options);
  } catch (error) {
    if (error instanceof SendOptionsError) {
      throw new HttpError(400, 'InvalidOptions', error.message, [
        { field: optionNamed(error.message), message: error.message },
      ]);
    }
    throw error;
  }
}

/** The option a SendOptionsError message starts with (`tier 'x' is not ...`, `eta (...) must ...`). */
function optionNamed(message: string): string {
  const word = /^([a-zA-Z]+)/.exec(message)?.[1] ?? 'options';
  return ['tier', 'id', 'countdownSeconds', 'eta', 'expires', 'correlationId'].includes(word)
    ? word
    : 'options';
}
