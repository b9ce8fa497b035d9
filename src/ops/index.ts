export { type BeatTimes, beatTimes, lastTickOf } from './beat.js';
export { nextDue, previousDue } from './cron.js';
export { type DeadLetterView, showDeadLetter } from './dead-letter-view.js';
export {
  type DeadLetter,
  type DeadLetterFilter,
  type DeadLetterRead,
  describeFailure,
  purgeDeadLetters,
  READ_DEFAULTS,
  REDRIVE_POLICY_REASON,
  readDeadLetters,
} from './dead-letters.js';
export {
  assertLocalClients,
  type DoctorClients,
  diagnose,
  driftClientsFor,
  type Finding,
  repair,
} from './doctor.js';
export {
  checkHealth,
  type HealthDependencies,
  type HealthReason,
  type HealthReport,
  type HealthStatus,
} from './health.js';
export { quantileMs } from './histogram.js';
export { LetterHold, type ReleaseFailure } from './letter-hold.js';
export { METRIC_NAMES, PROMETHEUS_CONTENT_TYPE, renderMetrics } from './metrics.js';
export { purgeQueue, type QueueStats, queueStats } from './queues.js';
export {
  checkRedrivable,
  type RedriveCheck,
  RedriveError,
  type RedriveOptions,
  type RedriveResult,
  type Reopen,
  redrive,
} from './redrive.js';
export { judgeReopen, type ReopenVerdict, reopenInTable, reopenTask } from './reopen.js';
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
  MAX_TIMELINE_MINUTES,
  readStats,
  readTotals,
  type StatCounters,
  type StatsOptions,
  StatsOptionsError,
  type StatsReport,
  type StatsSource,
  summarize,
  type TaskStats,
  type TimelinePoint,
} from './stats.js';
