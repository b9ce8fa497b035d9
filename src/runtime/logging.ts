import { Logger, LogLevelThreshold } from '@aws-lambda-powertools/logger';
import { isoNow } from './clock.js';

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
    /** Where the "task succeeded" line goes; without it, through `root.info`. */
    private readonly lines?: TaskLines,
  ) {}

  /** The one line of a run that succeeded. */
  succeeded(durationMs: number): void {
    if (this.lines) this.lines.succeeded(this.keys, durationMs);
    else this.root.info(SUCCEEDED, this.keys as never, { durationMs });
  }

  /** Whether debug lines are written, so a line that is costly to build can be skipped. */
  get debugging(): boolean {
    // The level as a number (getLevelName searches the level table on every call), read
    // once per invocation where lines are gathered (Logger.level reads the environment).
    return (this.lines?.level ?? this.root.level) <= LogLevelThreshold.DEBUG;
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

/** The message of the line every task that succeeds writes. */
export const SUCCEEDED = 'task succeeded';

/**
 * Renders a line's base the way the worker's Logger renders any line: its
 * level, message, timestamp, service, sampling rate, trace id and persistent
 * keys, in its order, empty keys dropped. Uses the Logger's own
 * `createAndPopulateLogItem`, which Powertools leaves open to subclasses.
 */
class LineBase extends Logger {
  static of(logger: Logger, message: string): Record<string, unknown> {
    const item = (logger as LineBase).createAndPopulateLogItem(LogLevelThreshold.INFO, message, []);
    item.prepareForPrint();
    return item.getAttributes() as Record<string, unknown>;
  }
}

/**
 * The "task succeeded" line of each run, in the form the worker's Powertools
 * Logger writes it (same keys and order, written only when INFO is), built
 * from a base the Logger renders once per invocation and not once per task:
 * the Logger reads the environment three times and merges its attributes
 * on every line, about 25 µs a task, as much as the rest of the runtime's
 * own work. Lines are gathered over an invocation and written in one go by
 * {@link flush} (the worker calls it with the metrics' flush, and on
 * `process.exit`). They never go through Powertools' log buffer, and they
 * assume Powertools' default formatter (the worker's own Logger): a Logger
 * with a custom formatter should log through `RunLogger` without lines.
 */
export class TaskLines {
  /** This invocation's line template; null when its base cannot be written as JSON. */
  private template: LineTemplate | null | undefined;
  private levelNow: number | undefined;
  private text = '';

  constructor(
    private readonly root: Logger,
    /** Where the lines go: one string, newline-separated lines, once per flush. */
    private readonly write: (text: string) => void = (text) => void process.stdout.write(text),
  ) {
    flushOnExit(this);
  }

  /** The worker Logger's level, as a number, read once per invocation. */
  get level(): number {
    this.levelNow ??= this.root.level;
    return this.levelNow;
  }

  succeeded(keys: RunKeys, durationMs: number): void {
    if (this.level > LogLevelThreshold.INFO) return;
    if (this.template === undefined) this.template = templateOf(LineBase.of(this.root, SUCCEEDED));
    const template = this.template;
    if (template === null) {
      // A base JSON cannot hold (a BigInt persistent key, say): the Logger's own line,
      // whose replacer copes. A log line never fails the task it reports.
      this.root.info(SUCCEEDED, keys as never, { durationMs });
      return;
    }
    // In the holes' order: timestamp, taskId, task, attempt, correlationId, durationMs.
    const values = [isoNow(), keys.taskId, keys.task, keys.attempt, keys.correlationId, durationMs];
    const { pieces, holes } = template;
    let line = pieces[0] as string;
    for (let i = 0; i < holes.length; i++) {
      // `?? 'null'`: the line stays JSON even if a key the types require is missing.
      line += (JSON.stringify(values[holes[i] as number]) ?? 'null') + (pieces[i + 1] as string);
    }
    this.text += `${line}\n`;
  }

  /**
   * Writes the lines gathered since the last flush; the next line reads the
   * level and renders its base anew (a new invocation: its trace id, its sampling).
   */
  flush(): void {
    this.template = undefined;
    this.levelNow = undefined;
    if (this.text === '') return;
    const text = this.text;
    this.text = '';
    this.write(text);
  }
}

/**
 * A line's JSON cut where each run's own values go: `pieces[0]`, the value
 * of hole `holes[0]`, `pieces[1]`, and so on. The base's keys and values are
 * JSON-encoded once per invocation instead of once per line.
 */
interface LineTemplate {
  readonly pieces: readonly string[];
  readonly holes: readonly number[];
}

/**
 * A string a base's value is very unlikely to be (it holds NUL characters);
 * should one be, its hole would be found twice and the template refused.
 */
const hole = (i: number) => `\u0000lovage-hole-${i}\u0000`;
/** A hole as JSON.stringify writes it (NUL escaped), quotes included. */
const HOLE_JSON = /"\\u0000lovage-hole-(\d)\\u0000"/g;

/**
 * The template of a base's lines: the base spread first and the run's keys
 * after it, as `{ ...base, taskId, ... }` orders them (a key the base has
 * already keeps its place). Null where the base cannot be written as JSON,
 * or a hole is missing or there twice.
 */
function templateOf(base: Record<string, unknown>): LineTemplate | null {
  let json: string;
  try {
    json = JSON.stringify({
      ...base,
      timestamp: hole(0),
      taskId: hole(1),
      task: hole(2),
      attempt: hole(3),
      correlationId: hole(4),
      durationMs: hole(5),
    });
  } catch {
    return null;
  }
  const pieces: string[] = [];
  const holes: number[] = [];
  let last = 0;
  for (const match of json.matchAll(HOLE_JSON)) {
    pieces.push(json.slice(last, match.index));
    holes.push(Number(match[1]));
    last = match.index + match[0].length;
  }
  pieces.push(json.slice(last));
  return [...holes].sort().join() === '0,1,2,3,4,5' ? { pieces, holes } : null;
}

const unflushed = new Set<{ flush(): void }>();

/**
 * A run that exits the process (a crash drill, `process.exit` in task code)
 * must not take its neighbours' lines and metrics with it; stdout to a pipe
 * or a file is written synchronously on Linux, so an `exit` listener can
 * still write.
 */
export function flushOnExit(output: { flush(): void }): void {
  if (unflushed.size === 0) {
    process.once('exit', () => {
      for (const pending of unflushed) pending.flush();
    });
  }
  unflushed.add(output);
}
