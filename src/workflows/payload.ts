/**
 * What a workflow step receives, in one documented way:
 *
 * - a chain step (and a chain's or chord's `link`): the previous step's result, which must be
 *   a JSON object, with the args given for the step merged over it: `{ ...result, ...args }`;
 * - a chord's callback (and a group's `link`): `{ ...args, results }`, the members' results
 *   in group order;
 * - a `linkError`: `{ ...args, failure }`, the step that failed and its error.
 *
 * The step's schema parses the payload, as it parses any payload: fields it does not declare
 * are dropped, so a result may carry more than the next step reads.
 */
import { z } from 'zod';
import { type Catalog, PayloadValidationError } from '../catalog/index.js';
import { WorkflowArgsError, WorkflowDefinitionError } from './errors.js';
import type { WorkflowFailure } from './plan.js';

/**
 * Largest payload passed to a step, as JSON: an envelope must fit SQS's 256 KiB with its
 * other fields and attributes. Pass references (S3 keys) for anything larger.
 */
export const MAX_PASSED_BYTES = 240_000;

type Args = Readonly<Record<string, unknown>>;

/** What a step receives. */
export type Received = 'result' | 'results' | 'failure';

/** The payload of a step that receives `result`: `{ ...result, ...args }`. */
export function chainPayload(result: unknown, args: Args | undefined, from: string): Args {
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    const what = result === null ? 'null' : Array.isArray(result) ? 'an array' : typeof result;
    throw new WorkflowArgsError(
      `${from} returned ${what}; a chain passes a result on only when it is a JSON object (its fields become the next step's payload)`,
    );
  }
  return { ...(result as Args), ...args };
}

/** The payload of a chord's callback (or a group's link): `{ ...args, results }`. */
export function resultsPayload(results: readonly unknown[], args: Args | undefined): Args {
  return { ...args, results };
}

/** What a `linkError` receives in `failure`. */
export interface FailurePayload extends WorkflowFailure {
  readonly workflowId: string;
}

/** The payload of a `linkError`: `{ ...args, failure }`. */
export function failurePayload(failure: FailurePayload, args: Args | undefined): Args {
  return { ...args, failure };
}

/**
 * Parses a built payload with the step's schema. Throws WorkflowArgsError naming the step
 * (`step`, e.g. "logs.embed (wf-1.s1)") and where the payload came from (`from`, e.g. "the
 * result of logs.process_file (wf-1.s0)"), with every bad field.
 */
export function checkPayload(
  catalog: Catalog,
  task: string,
  payload: Args,
  step: string,
  from: string,
): void {
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  if (bytes > MAX_PASSED_BYTES) {
    throw new WorkflowArgsError(
      `${step} cannot take ${from}: its payload would be ${bytes} bytes, over the ${MAX_PASSED_BYTES} a step can be passed; return references (such as S3 keys) instead of data`,
    );
  }
  try {
    catalog.parseArgs(task, payload);
  } catch (error) {
    if (!(error instanceof PayloadValidationError)) throw error;
    const fields = error.issues.map((i) => `${i.path || '(payload)'}: ${i.message}`).join('; ');
    throw new WorkflowArgsError(`${step} cannot take ${from}: ${fields}`);
  }
}

/**
 * The send-time check of the args given for a step the engine sends later, where the shape
 * is known: for an object schema, every given field must be one the schema declares and fit
 * it, and the field the step receives (`results`, `failure`) must be declared. Other
 * schemas are checked when the step is due. Throws WorkflowDefinitionError.
 */
export function checkGivenArgs(
  catalog: Catalog,
  task: string,
  args: Args | undefined,
  receives: Received,
  where: string,
): void {
  const { schema } = catalog.task(task);
  if (!(schema instanceof z.ZodObject)) return;
  const shape = schema.shape as Record<string, z.ZodType>;
  const field = receives === 'result' ? undefined : receives;
  if (field && !(field in shape)) {
    throw new WorkflowDefinitionError(
      `${where}: ${task}'s payload schema has no '${field}' field, so it cannot take the ${field === 'results' ? "members' results" : 'failure'} it is given`,
    );
  }
  if (!args) return;
  const unknown = Object.keys(args).filter((key) => !(key in shape));
  if (unknown.length > 0) {
    throw new WorkflowDefinitionError(
      `${where}: ${task}'s payload has no field ${unknown.map((k) => `'${k}'`).join(', ')}`,
    );
  }
  // Field by field (not `schema.partial()`, which zod refuses on a refined object).
  const issues = Object.entries(args).flatMap(([key, value]) => {
    const parsed = (shape[key] as z.ZodType).safeParse(value);
    return parsed.success
      ? []
      : parsed.error.issues.map((i) => `${[key, ...i.path.map(String)].join('.')}: ${i.message}`);
  });
  if (issues.length > 0) {
    throw new WorkflowDefinitionError(
      `${where}: ${task} args do not fit its schema: ${issues.join('; ')}`,
    );
  }
}
