/** Two-digit and three-digit fields of an ISO timestamp, rendered once. */
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DAY_MS = 86_400_000;
/** 9999-12-31T23:59:59.999Z: past it `toISOString` writes a six-digit year. */
const LAST_FOUR_DIGIT_MS = 253_402_300_799_999;

/** The UTC day the last timestamp fell in, and its `YYYY-MM-DDT`. */
let dayStart = Number.NaN;
let dayPrefix = '';

/**
 * `new Date(ms).toISOString()`, the same string (a unit test compares the
 * two over random instants), built from the day's prefix and table lookups:
 * `toISOString` takes about a microsecond (a runtime call that breaks the
 * time down anew), and the runtime stamps each task three times. Instants
 * before 1970, past year 9999 or not whole milliseconds go to
 * `toISOString` itself (which throws on an invalid one, as before).
 */
export function isoTime(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0 && ms <= LAST_FOUR_DIGIT_MS)) {
    return new Date(ms).toISOString();
  }
  let rest = ms - dayStart;
  if (!(rest >= 0 && rest < DAY_MS)) {
    dayStart = ms - (ms % DAY_MS);
    dayPrefix = new Date(dayStart).toISOString().slice(0, 11);
    rest = ms - dayStart;
  }
  const hours = Math.floor(rest / 3_600_000);
  const minutes = Math.floor((rest % 3_600_000) / 60_000);
  const seconds = Math.floor((rest % 60_000) / 1_000);
  return `${dayPrefix}${TWO[hours]}:${TWO[minutes]}:${TWO[seconds]}.${THREE[rest % 1_000]}Z`;
}

/** The current instant as {@link isoTime} writes it. */
export const isoNow = (): string => isoTime(Date.now());
