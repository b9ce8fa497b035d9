/**
 * The shapes the UI's API answers with: the contract between the server (api.ts) and the page
 * (web/), both of which import these types, so neither can drift from the other.
 */
import type { TaskStatus, WorkflowStatus } from '../client/index.js';
import type {
  BeatTimes,
  HealthReason,
  HealthStatus,
  QueueStats,
  RedriveResult,
  StatsReport,
} from '../ops/index.js';
import type { TIER_TARGETS } from '../protocol/tier-targets.js';
import type { LetterView } from './views.js';

export type { BeatTimes, LetterView, QueueStats, TaskStatus, WorkflowStatus };
export type TierTargets = typeof TIER_TARGETS;

/** Where the UI's calls go, as the page's header shows it. */
export interface UiTarget {
  /** e.g. "the local emulator at http://127.0.0.1:4566 (...)" or "AWS, region eu-west-1". */
  readonly description: string;
  readonly local: boolean;
  readonly stack: string;
}

/** How an error reaches the page: a status, a code the page can act on, one clear line. */
export interface UiProblem {
  readonly status: number;
  /** `Environment` (credentials, stack, endpoint: the page says how to fix it), `InvalidQuery`, ... */
  readonly error: string;
  readonly message: string;
}

/** `GET /api/meta`: what the page needs before anything else, even without a stack. */
export interface UiMeta {
  readonly target: UiTarget;
  /** Why the stack cannot be reached right now. */
  readonly problem: UiProblem | undefined;
  readonly stack: string;
  /** `<category>/<tier>` of every tier queue of the stack. */
  readonly queues: readonly string[];
  readonly tasks: readonly { name: string; category: string; tier: string }[];
  /** Whether the stack has the statistics table (charts and health need it). */
  readonly statistics: boolean;
}

/** `GET /api/overview` */
export interface Overview {
  readonly checkedAt: string;
  readonly health:
    | { status: HealthStatus; reasons: readonly HealthReason[]; notes: readonly string[] }
    | undefined;
  readonly queues: readonly QueueStats[];
  readonly targets: TierTargets;
  readonly stats: StatsReport | undefined;
  readonly schedules: readonly BeatTimes[];
  readonly note?: string;
}

/** `GET /api/tasks/:id`: the status, and the queue its dead letter would be in. */
export type TaskDetail = TaskStatus & { readonly queue: string | undefined };

/** `GET /api/queues` */
export interface QueuesView {
  readonly queues: readonly QueueStats[];
  readonly targets: TierTargets;
}

/** `GET /api/dead-letters` */
export interface LettersRead {
  readonly letters: readonly LetterView[];
  readonly complete: boolean;
  /** Letters SQS did not make visible again at once (they reappear within seconds). */
  readonly unreleased: number;
}

/** `GET /api/dead-letters/:id` and `/api/tasks/:id/letter`: a letter beside its task record. */
export interface LetterDetail {
  readonly letter: LetterView;
  readonly ofTask: number;
  readonly task: TaskStatus | undefined;
}

export type RedriveView = Omit<RedriveResult, 'skipped' | 'failed'> & {
  readonly skipped: readonly { readonly letter: LetterView; readonly reason: string }[];
  readonly failed: readonly { readonly letter: LetterView; readonly error: string }[];
};

/** One line of a redrive's answer. */
export type RedriveLine =
  | {
      readonly kind: 'progress';
      readonly done: number;
      readonly total: number;
      readonly taskId?: string;
    }
  | { readonly kind: 'result'; readonly result: RedriveView };
