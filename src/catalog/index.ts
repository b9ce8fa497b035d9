export * from './catalog.js';
export { categoryCatalog } from './category-catalog.js';
export {
  CATEGORY_DEFAULTS,
  type Catalog,
  type CatalogInput,
  type CategoryInput,
  type CeleryOptions,
  category,
  defineCatalog,
  type ResolvedSchedule,
  TASK_DEFAULTS,
  type TaskArgs,
  type TaskNamesOf,
  task,
} from './define.js';
export {
  CatalogError,
  type PayloadIssue,
  PayloadValidationError,
  UnknownTaskError,
} from './errors.js';
export { parseRateLimit, resolveTaskOptions, TASK_OPTION_DEFAULTS } from './task-options.js';
export {
  type ResolvedTrigger,
  resolveTrigger,
  type TriggerDefinition,
  type TriggerPattern,
} from './triggers.js';
export {
  type BackoffOptions,
  type CategoryDefinition,
  type CategoryOptions,
  type RateLimit,
  type RateUnit,
  type ScheduleDefinition,
  type ScheduleExpression,
  type TaskDefinition,
  type TaskOptions,
  TIERS,
  type Tier,
} from './types.js';
