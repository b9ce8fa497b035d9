import type { StatsSource, TaskStats } from '../ops/stats.js';
import { readStats } from '../ops/stats.js';

/** What CloudWatch sends a custom widget's function (the widget's params are merged in). */
export interface WidgetEvent {
  readonly widgetContext: {
    readonly timeRange?: { readonly start: number; readonly end: number };
    readonly params?: { readonly tasks?: readonly string[] };
  };
  readonly tasks?: readonly string[];
}

export const isWidgetEvent = (event: unknown): event is WidgetEvent =>
  typeof event === 'object' && event !== null && 'widgetContext' in event;

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const ms = (value: number | null) => (value === null ? '–' : `${value.toFixed(1)} ms`);

/**
 * The dashboard's duration widget (a CloudWatch custom widget): p50, p95
 * and p99 per task over the dashboard's time range, read from the same
 * statistics and computed by the same code as `GET /stats` and
 * `lovage stats`, so the three never disagree.
 */
export async function renderDurationWidget(
  source: StatsSource,
  taskNames: readonly string[],
  event: WidgetEvent,
): Promise<string> {
  const range = event.widgetContext.timeRange;
  const tasks = event.tasks ?? event.widgetContext.params?.tasks ?? taskNames;
  const report = await readStats(source, taskNames, {
    tasks: tasks.filter((t) => taskNames.includes(t)),
    ...(range ? { since: new Date(range.start), until: new Date(range.end) } : {}),
  });
  const row = (t: TaskStats) =>
    `<tr><td>${escapeHtml(t.task)}</td><td>${t.runs}</td><td>${ms(t.p50Ms)}</td><td>${ms(t.p95Ms)}</td><td>${ms(t.p99Ms)}</td></tr>`;
  return [
    '<table class="cwdb-no-default-styles"><thead><tr><th>task</th><th>runs</th><th>p50</th><th>p95</th><th>p99</th></tr></thead><tbody>',
    ...report.tasks.map(row),
    '</tbody></table>',
    `<p>${escapeHtml(report.since)} – ${escapeHtml(report.until)}, from the task stream's statistics (same as GET /stats)</p>`,
  ].join('');
}
