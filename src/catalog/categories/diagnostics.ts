import { category, task } from '../define.js';
import {
  AddArgs,
  BadResultArgs,
  CollectArgs,
  CrashArgs,
  FailArgs,
  FlakyArgs,
  HangArgs,
  NoteFailureArgs,
  PingArgs,
  RetryLaterArgs,
  SpawnArgs,
  StubbornArgs,
  WorkArgs,
} from '../tasks/diagnostics.js';

/** Short backoff for drills: 1, 2, 4 s, so end-to-end checks finish in seconds. */
const DRILL_BACKOFF = { baseSeconds: 1, factor: 2, maxSeconds: 4, jitter: 'none' } as const;

/** The `diagnostics` category of the catalog (see `../catalog.ts`): drill and canary tasks for checking a deployment end to end. */
export const diagnostics = category({
  // Short, so that the crash and hang drills come back within a minute (visibility 6 x 10 s).
  timeoutSeconds: 10,
  memoryMb: 256,
  // diagnostics.spawn's cross-category drill.
  sends: ['logs.generate'],
  tasks: {
    'diagnostics.ping': task({
      schema: PingArgs,
      description: 'Echo the message with runtime facts (like `celery inspect ping`)',
    }),
    // The same ping with the two lighter record options, for bench/requests.ts.
    'diagnostics.ping_untracked': task({
      schema: PingArgs,
      trackStarted: false,
      description: 'diagnostics.ping without the STARTED claim (trackStarted: false)',
    }),
    'diagnostics.ping_ignored': task({
      schema: PingArgs,
      ignoreResult: true,
      description: 'diagnostics.ping that writes nothing on success (ignoreResult)',
    }),
    'diagnostics.flaky': task({
      schema: FlakyArgs,
      maxRetries: 3,
      backoff: DRILL_BACKOFF,
      description: 'Fail with a retryable error until attempt > failTimes, then succeed',
    }),
    'diagnostics.work': task({
      schema: WorkArgs,
      softTimeLimitSeconds: 5,
      neverRetry: ['SoftTimeLimitExceededError'],
      maxRetries: 1,
      backoff: DRILL_BACKOFF,
      description: 'Hash for `steps` steps with progress; for time limits, progress and revoke',
    }),
    'diagnostics.fail': task({
      schema: FailArgs,
      maxRetries: 1,
      backoff: DRILL_BACKOFF,
      neverRetry: ['DrillConfigError'],
      description: 'Throw the requested error (unrecoverable or named)',
    }),
    'diagnostics.crash': task({
      schema: CrashArgs,
      maxRetries: 2,
      backoff: DRILL_BACKOFF,
      description: 'Kill the worker process while attempt <= times (WorkerLostError drill)',
    }),
    'diagnostics.hang': task({
      schema: HangArgs,
      maxRetries: 2,
      backoff: DRILL_BACKOFF,
      description: 'Never return while attempt <= times, until the function timeout',
    }),
    'diagnostics.stubborn': task({
      schema: StubbornArgs,
      softTimeLimitSeconds: 1,
      maxRetries: 2,
      backoff: DRILL_BACKOFF,
      description: 'Ignore the soft time limit signal and finish later',
    }),
    'diagnostics.bad_result': task({
      schema: BadResultArgs,
      description: 'Return a result that a task record cannot store',
    }),
    'diagnostics.add': task({
      schema: AddArgs,
      description: 'Add to a value and append its id to a trail (workflow drills)',
    }),
    'diagnostics.collect': task({
      schema: CollectArgs,
      description: "Count and sum a chord's results (workflow drills)",
    }),
    'diagnostics.spawn': task({
      schema: SpawnArgs,
      maxRetries: 2,
      backoff: DRILL_BACKOFF,
      description: 'Queue child pings with ctx.send (child id drills)',
    }),
    'diagnostics.note_failure': task({
      schema: NoteFailureArgs,
      description: 'Note the step a workflow failed at (a linkError for drills)',
    }),
    'diagnostics.retry_later': task({
      schema: RetryLaterArgs,
      maxRetries: 2,
      description: 'Ask for a retry with ctx.retry while attempt <= times',
    }),
  },
});
