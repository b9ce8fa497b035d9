/** How numbers and times read on the page. */

const clock = new Intl.DateTimeFormat(undefined, {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const dated = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** The reader's local time: the time of day today, with the date on other days. */
export function localTime(iso: string | undefined, now = new Date()): string {
  if (!iso) return '–';
  const date = new Date(iso);
  return (date.toDateString() === now.toDateString() ? clock : dated).format(date);
}

/** `in 42 s`, `3 min ago`: how far a time is from now. */
export function relative(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '–';
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const size = Math.abs(seconds);
  const text =
    size < 60
      ? `${size} s`
      : size < 3600
        ? `${Math.floor(size / 60)} min`
        : size < 86_400
          ? `${Math.floor(size / 3600)} h ${Math.floor((size % 3600) / 60)} min`
          : `${Math.floor(size / 86_400)} d`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  const s = Math.round(ms / 1000);
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const minutes = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)} h${minutes ? ` ${minutes} min` : ''}`;
}

export function seconds(value: number | undefined): string {
  return value === undefined ? '–' : duration(value * 1000);
}

export function percent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined ? '–' : `${Math.round(ratio * 1000) / 10} %`;
}

export function count(value: number): string {
  return value.toLocaleString();
}
