/**
 * When a beat schedule was last due and when it is next due: enough of
 * EventBridge Scheduler's `rate(...)` and `cron(...)` to answer "has it
 * fired?" for the health check and "when next?" for the CLI and the UI.
 * Cron fields are minutes, hours, day-of-month, month, day-of-week (1-7 =
 * SUN-SAT, or names), year; `*`, `?`, lists, ranges, steps and names are
 * understood. `L`, `W` and `#` are not: such a schedule is reported as
 * "cannot tell", never as late.
 */

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** The interval of a `rate(...)` expression in ms, or undefined for anything else. */
export function rateIntervalMs(expression: string): number | undefined {
  const match = RATE.exec(expression.trim());
  if (!match) return undefined;
  return Number(match[1]) * (UNIT_MS[(match[2] as string).replace(/s$/, '')] as number);
}

type Field = ReadonlySet<number> | 'any';

function parseField(
  text: string,
  min: number,
  max: number,
  names?: readonly string[],
): Field | undefined {
  if (text === '*' || text === '?') return 'any';
  const values = new Set<number>();
  const value = (token: string) => {
    const named = names?.indexOf(token.toUpperCase()) ?? -1;
    if (named >= 0) return named + min;
    return /^\d+$/.test(token) ? Number(token) : Number.NaN;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!range || !Number.isInteger(step) || step < 1) return undefined;
    const bounds = range === '*' ? [min, max] : range.split('-').map(value);
    const low = bounds[0];
    const high = bounds[1] ?? (stepText === undefined ? low : max);
    if (
      low === undefined ||
      high === undefined ||
      !Number.isInteger(low) ||
      !Number.isInteger(high)
    )
      return undefined;
    if (low < min || high > max || low > high) return undefined;
    for (let v = low; v <= high; v += step) values.add(v);
  }
  return values;
}

const has = (field: Field, value: number) => field === 'any' || field.has(value);

interface Local {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hour: number;
  minute: number;
}

/** Local wall-clock parts of `date` in `timezone`. */
function localParts(format: Intl.DateTimeFormat, date: Date): Local {
  const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: DAYS.indexOf(String(parts.weekday).toUpperCase().slice(0, 3)) + 1,
    hour: Number(parts.hour) % 24,
    minute: Number(parts.minute),
  };
}

/**
 * The latest time at or before `now` at which `expression` was due, in
 * `timezone`; undefined when it cannot tell (unsupported syntax, a rate
 * without its start) or the schedule was not due in the last `lookbackDays`.
 * A rate schedule fires every interval from its start (Scheduler counts from
 * when the schedule was created).
 */
export function previousDue(
  expression: string,
  timezone: string,
  now: Date,
  start?: Date,
  lookbackDays = 35,
): Date | undefined {
  const rate = rateIntervalMs(expression);
  if (rate !== undefined) {
    if (!start || start.getTime() > now.getTime()) return undefined;
    const elapsed = now.getTime() - start.getTime();
    return elapsed < rate ? undefined : new Date(now.getTime() - (elapsed % rate));
  }
  return walkCron(expression, timezone, now, -1, lookbackDays);
}

/**
 * The first time after `now` at which `expression` is due, in `timezone`:
 * the beat's next fire time. A rate counts from `start` (its creation, or a
 * tick seen), so without one it cannot tell. Undefined when it cannot tell or
 * nothing is due in the next `lookaheadDays`.
 *
 * @example
 * nextDue('cron(0 2 * * ? *)', 'Europe/London', new Date()); // 02:00 London time, next
 */
export function nextDue(
  expression: string,
  timezone: string,
  now: Date,
  start?: Date,
  lookaheadDays = 370,
): Date | undefined {
  const rate = rateIntervalMs(expression);
  if (rate !== undefined) {
    if (!start) return undefined;
    const elapsed = now.getTime() - start.getTime();
    if (elapsed < 0) return start;
    return new Date(start.getTime() + (Math.floor(elapsed / rate) + 1) * rate);
  }
  return walkCron(expression, timezone, now, 1, lookaheadDays);
}

/**
 * Walks from `now` back (`direction` -1, `now` included) or forward (1, `now` excluded) to the
 * first minute a cron expression is due, hour by hour (time zones move by whole quarter hours
 * at most within one), then minute by minute inside an hour whose local date and hour match.
 */
function walkCron(
  expression: string,
  timezone: string,
  now: Date,
  direction: 1 | -1,
  days: number,
): Date | undefined {
  const match = /^cron\((.+)\)$/.exec(expression.trim());
  const fields = match?.[1]?.trim().split(/\s+/);
  if (fields?.length !== 6) return undefined;
  const [minutes, hours, dom, months, weekdays, years] = [
    parseField(fields[0] as string, 0, 59),
    parseField(fields[1] as string, 0, 23),
    parseField(fields[2] as string, 1, 31),
    parseField(fields[3] as string, 1, 12, MONTHS),
    parseField(fields[4] as string, 1, 7, DAYS),
    parseField(fields[5] as string, 1970, 2199),
  ];
  if (!minutes || !hours || !dom || !months || !weekdays || !years) return undefined;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      weekday: 'short',
      hour: 'numeric',
      minute: 'numeric',
    });
  } catch {
    return undefined;
  }
  const matchesDay = (l: Local) =>
    has(years, l.year) && has(months, l.month) && has(dom, l.day) && has(weekdays, l.weekday);
  const due = (ms: number) => {
    const local = localParts(format, new Date(ms));
    return matchesDay(local) && has(hours, local.hour) && has(minutes, local.minute);
  };
  const minute = now.getTime() - (now.getTime() % 60_000);
  // Backwards the current minute counts; forwards the search starts at the next one.
  const from = direction === -1 ? minute : minute + 60_000;
  const hourStart = from - (from % 3_600_000);
  const end = from + direction * days * 86_400_000;
  for (let h = hourStart; direction === -1 ? h > end : h < end; h += direction * 3_600_000) {
    const first = localParts(format, new Date(h));
    const last = localParts(format, new Date(h + 59 * 60_000));
    if (
      !(matchesDay(first) && has(hours, first.hour)) &&
      !(matchesDay(last) && has(hours, last.hour))
    )
      continue;
    if (direction === -1) {
      for (let m = Math.min(h + 59 * 60_000, from); m >= h; m -= 60_000)
        if (due(m)) return new Date(m);
    } else {
      for (let m = Math.max(h, from); m <= h + 59 * 60_000; m += 60_000)
        if (due(m)) return new Date(m);
    }
  }
  return undefined;
}
