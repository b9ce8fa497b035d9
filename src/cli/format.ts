/** Plain-text output helpers: tables, ages, a progress bar. No colours, so output pipes cleanly. */

/** Left-aligned columns separated by two spaces; numbers are right-aligned. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((row) =>
    row.map((value) => (value === undefined || value === null ? '-' : String(value))),
  );
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((row) => row[i]?.length ?? 0)),
  );
  const numeric = headers.map(
    (_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number'),
  );
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (numeric[i] ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...cells.map(line)].join('\n');
}

/** `42s`, `3m 5s`, `2h 10m`: how long ago, for humans. */
export function age(seconds: number | undefined): string {
  if (seconds === undefined || Number.isNaN(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

/** A one-line bar written over itself on a terminal, or one line per update otherwise. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr) {
  let last = '';
  return {
    update(current: number, total: number, label = ''): void {
      const ratio = total > 0 ? Math.min(1, current / total) : 0;
      const width = 30;
      const filled = Math.round(ratio * width);
      const text =
        `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${current}/${total} ${label}`.trimEnd();
      if (text === last) return;
      last = text;
      if (stream.isTTY) stream.write(`\r${text}\u001b[K`);
      else stream.write(`${text}\n`);
    },
    done(): void {
      if (stream.isTTY && last) stream.write('\n');
    },
  };
}
