import { CatalogError } from './errors.js';
import { type TaskDefinition, TIERS, type Tier } from './types.js';

/**
 * Which events on the stack's EventBridge bus start a task: an EventBridge
 * event pattern on `source` and `detail-type` (and optionally `detail`).
 */
export interface TriggerPattern {
  /** Event sources to match, e.g. `['shop.orders']`. */
  readonly source: readonly string[];
  /** Detail types to match, e.g. `['order.created']`. */
  readonly detailType: readonly string[];
  /** Extra EventBridge pattern on `detail`, e.g. `{ currency: ['EUR'] }`. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/**
 * A catalog trigger: a domain event becomes a task whose payload is the
 * event's `detail` (validated against the task's schema by the runtime, like
 * any envelope).
 */
export interface TriggerDefinition<Name extends string = string> {
  readonly task: Name;
  readonly pattern: TriggerPattern;
  /**
   * Tier queue the task goes to.
   * @defaultValue the task's tier
   */
  readonly tier?: Tier;
  readonly description?: string;
}

export interface ResolvedTrigger extends TriggerDefinition {
  readonly name: string;
  readonly tier: Tier;
  readonly category: string;
}

const TRIGGER_NAME = /^[a-z0-9][a-z0-9-]{0,50}$/;

/** Validates one trigger against the catalog's tasks; throws {@link CatalogError} naming the field. */
export function resolveTrigger(
  name: string,
  def: TriggerDefinition,
  lookup: (task: string) => TaskDefinition,
): ResolvedTrigger {
  if (!TRIGGER_NAME.test(name)) {
    throw new CatalogError(`trigger name '${name}' must match ${TRIGGER_NAME}`);
  }
  let task: TaskDefinition;
  try {
    task = lookup(def.task);
  } catch (error) {
    throw new CatalogError(`trigger '${name}': ${(error as Error).message}`, { cause: error });
  }
  for (const key of ['source', 'detailType'] as const) {
    const values = def.pattern[key];
    if (values.length === 0 || values.some((v) => v.trim() === '')) {
      throw new CatalogError(
        `trigger '${name}': pattern.${key} (${JSON.stringify(values)}) must list at least one non-empty value`,
      );
    }
  }
  const tier = def.tier ?? task.tier;
  if (!TIERS.includes(tier)) {
    throw new CatalogError(`trigger '${name}': tier '${tier}' is not one of ${TIERS.join(', ')}`);
  }
  return { ...def, name, tier, category: task.category };
}
