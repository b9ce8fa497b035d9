export {
  type DeadLetter,
  type DeadLetterFilter,
  purgeDeadLetters,
  type RedriveResult,
  readDeadLetters,
  redrive,
} from './dead-letters.js';
export { type DoctorClients, diagnose, type Finding, repair } from './doctor.js';
export { type QueueStats, queueStats } from './queues.js';
export { reopenFailedTask } from './reopen.js';
export {
  type BeatSchedule,
  listSchedules,
  runScheduleNow,
  ScheduleNotFoundError,
  setScheduleState,
} from './schedules.js';
