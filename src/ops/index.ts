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
export { LetterHold, type ReleaseFailure } from './letter-hold.js';
export { type QueueStats, queueStats } from './queues.js';
export {
  checkRedrivable,
  type RedriveCheck,
  RedriveError,
  type RedriveOptions,
  type RedriveResult,
  type Reopen,
  redrive,
} from './redrive.js';
export { judgeReopen, type ReopenVerdict, reopenTask } from './reopen.js';
export {
  type BeatSchedule,
  listSchedules,
  runScheduleNow,
  ScheduleNotFoundError,
  setScheduleState,
} from './schedules.js';
