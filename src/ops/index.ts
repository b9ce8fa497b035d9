export {
  type DeadLetter,
  type DeadLetterFilter,
  purgeDeadLetters,
  type RedriveResult,
  readDeadLetters,
  redrive,
} from './dead-letters.js';
export {
  assertLocalClients,
  type DoctorClients,
  diagnose,
  driftClientsFor,
  type Finding,
  repair,
} from './doctor.js';
export { type QueueStats, queueStats } from './queues.js';
export { reopenFailedTask } from './reopen.js';
export {
  type BeatSchedule,
  listSchedules,
  runScheduleNow,
  ScheduleNotFoundError,
  setScheduleState,
} from './schedules.js';
