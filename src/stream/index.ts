export { decodeChange, isTaskRecord } from './decode.js';
export { ReactionError } from './errors.js';
export {
  type LifecycleEvent,
  type LifecycleReactorOptions,
  lifecycleEventOf,
  lifecycleEventsReactor,
  PUT_EVENTS_MAX_ENTRIES,
} from './lifecycle.js';
export { createObserver, type ObserverHandler } from './observer.js';
export {
  type Contribution,
  contributionOf,
  type StatisticsReactorOptions,
  statisticsReactor,
} from './statistics.js';
export type { TaskChange, TaskChangeReactor } from './types.js';
