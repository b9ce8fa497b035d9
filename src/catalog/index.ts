export { CheckQuotaArgs, catalog, type LovageCatalog, SendEmailArgs } from './catalog.js';
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
export {
  CatalogError,
  type PayloadIssue,
  PayloadValidationError,
  UnknownTaskError,
} from './errors.js';
export {
  type CategoryDefinition,
  type CategoryOptions,
  type ScheduleDefinition,
  type ScheduleExpression,
  type TaskDefinition,
  type TaskOptions,
  TIERS,
  type Tier,
} from './types.js';
