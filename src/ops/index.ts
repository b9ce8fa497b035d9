export {
  type DeadLetter,
  type DeadLetterFilter,
  purgeDeadLetters,
  type RedriveResult,
  readDeadLetters,
  redrive,
} from './dead-letters.js';
export { type DoctorClients, diagnose, type Finding, repair } from './doctor.js';
export {
  checkHealth,
  type HealthDependencies,
  type HealthReason,
  type HealthReport,
  type HealthStatus,
} from './health.js';
export { quantileMs } from './histogram.js';
export { METRIC_NAMES, PROMETHEUS_CONTENT_TYPE, renderMetrics } from './metrics.js';
export { type QueueStats, queueStats } from './queues.js';
export { reopenFailedTask } from './reopen.js';
export {
  type BeatSchedule,
  listSchedules,
  runScheduleNow,
  ScheduleNotFoundError,
  setScheduleState,
} from './schedules.js';
export { type SlowTaskOptions, slowTasks } from './slow-tasks.js';
export {
  addUp,
  readStats,
  readTotals,
  type StatCounters,
  type StatsOptions,
  StatsOptionsError,
  type StatsReport,
  type StatsSource,
  summarize,
  type TaskStats,
} from './stats.js';
