export { catalog, CheckQuotaArgs, type LovageCatalog, SendEmailArgs } from './catalog.js';
export {
  CATEGORY_DEFAULTS,
  type Catalog,
  type CatalogInput,
  type CategoryInput,
  defineCatalog,
  type ResolvedSchedule,
  TASK_DEFAULTS,
  type TaskArgs,
  type TaskNamesOf,
  task,
} from './define.js';
export { CatalogError, type PayloadIssue, PayloadValidationError, UnknownTaskError } from './errors.js';
export {
  type CategoryDefinition,
  type CategoryOptions,
  type ScheduleDefinition,
  type ScheduleExpression,
  TIERS,
  type TaskDefinition,
  type TaskOptions,
  type Tier,
} from './types.js';
