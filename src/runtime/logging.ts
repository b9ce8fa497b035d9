import { type Logger, LogLevelThreshold } from '@aws-lambda-powertools/logger';

/** What a task (and the runtime) logs with: Powertools Logger's level methods. */
export type TaskLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

type Message = Parameters<Logger['info']>[0];
type Extra = Parameters<Logger['info']>[1][];

/** Identity of a run, on every line it logs. */
export interface RunKeys {
  readonly taskId: string;
  readonly task: string;
  readonly attempt: number;
  readonly correlationId: string;
}

/**
 * A run's logger: every line goes through the worker's Powertools Logger
 * (same level, format, sampling and buffering) with the run's keys first.
 * One object with four fields per record, where `logger.createChild` built a
 * whole Logger (console, environment, formatter) per record: 50-90 µs each.
 */
export class RunLogger implements TaskLogger {
  constructor(
    private readonly root: Logger,
    private readonly keys: RunKeys,
  ) {}

  /** Whether debug lines are written, so a line that is costly to build can be skipped. */
  get debugging(): boolean {
    // The level as a number (getLevelName searches the level table on every call).
    return this.root.level <= LogLevelThreshold.DEBUG;
  }

  debug(input: Message, ...extra: Extra): void {
    this.root.debug(input, this.keys as never, ...(extra as never[]));
  }

  info(input: Message, ...extra: Extra): void {
    this.root.info(input, this.keys as never, ...(extra as never[]));
  }

  warn(input: Message, ...extra: Extra): void {
    this.root.warn(input, this.keys as never, ...(extra as never[]));
  }

  error(input: Message, ...extra: Extra): void {
    this.root.error(input, this.keys as never, ...(extra as never[]));
  }
}
