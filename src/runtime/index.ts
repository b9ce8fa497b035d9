export { DEAD_LETTER_ATTRIBUTES, type DeadLetter, sendToDeadLetter } from './dead-letter.js';
export { UnrecoverableError, WrongCategoryError } from './errors.js';
export { type Claim, TaskRecords } from './task-records.js';
export type { TaskContext, TaskHandler, TaskHandlers } from './types.js';
export { createWorker, type WorkerDependencies, type WorkerHandler } from './worker.js';
