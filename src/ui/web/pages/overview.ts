import { html } from 'htm/preact';
import { useMemo, useState } from 'preact/hooks';
import type { Overview } from '../../types.js';
import { getJson } from '../api.js';
import { Chart } from '../chart.js';
import { Freshness, Problem, Time } from '../components.js';
import { count, duration, percent } from '../format.js';
import { usePoll } from '../hooks.js';
import { QueueTable } from '../queue-table.js';
import { Link } from '../router.js';

const WINDOWS = [
  [15, '15 min'],
  [60, '1 hour'],
  [360, '6 hours'],
  [1440, '24 hours'],
] as const;
/** Overview refresh: every read costs queue, table and CloudWatch requests. */
const REFRESH_MS = 10_000;

export function OverviewPage() {
  const [minutes, setMinutes] = useState(60);
  const overview = usePoll(
    (signal) => getJson<Overview>('/api/overview', { minutes }, signal),
    () => REFRESH_MS,
    [minutes],
  );
  const data = overview.data;
  return html`<h1 tabindex="-1">Overview</h1>
    <div class="toolbar">
      <label class="field inline"
        >Window
        <select
          value=${minutes}
          onChange=${(e: Event) => setMinutes(Number((e.target as HTMLSelectElement).value))}
        >
          ${WINDOWS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select>
      </label>
      <${Freshness} at=${overview.at} loading=${overview.loading} />
    </div>
    <${Problem} error=${overview.error} />
    ${data ? html`<${Health} data=${data} />` : null}
    ${data?.stats ? html`<${Charts} data=${data} />` : null}
    ${data?.stats ? html`<${TaskTable} data=${data} />` : null}
    ${data ? html`<section aria-labelledby="queues"><h2 id="queues">Queues</h2><${QueueTable} queues=${data.queues} targets=${data.targets} /></section>` : null}
    ${data ? html`<${Beat} data=${data} />` : null}`;
}

function Health({ data }: { data: Overview }) {
  const health = data.health;
  if (!health) return html`<p class="note">${data.note}</p>`;
  return html`<section aria-labelledby="health">
    <h2 id="health">
      Health <span class="health health-${health.status}">${health.status}</span>
    </h2>
    ${
      health.reasons.length > 0
        ? html`<ul class="reasons">
            ${health.reasons.map(
              (r) =>
                html`<li><strong>${r.severity}</strong> · ${r.check} · <code>${r.subject}</code>: ${r.detail}</li>`,
            )}
          </ul>`
        : html`<p>Nothing needs attention.</p>`
    }
    ${health.notes.map((n) => html`<p class="note">Note: ${n}</p>`)}
  </section>`;
}

function Charts({ data }: { data: Overview }) {
  const timeline = data.stats?.timeline ?? [];
  const charts = useMemo(() => {
    const x = timeline.map((p) => Date.parse(`${p.minute}:00Z`) / 1000);
    const rate = timeline.map((p) =>
      p.succeeded + p.failed > 0 ? (100 * p.succeeded) / (p.succeeded + p.failed) : null,
    );
    return {
      throughput: [
        x,
        timeline.map((p) => p.succeeded),
        timeline.map((p) => p.failed),
        timeline.map((p) => p.retried),
      ],
      rate: [x, rate],
    };
  }, [data]);
  const sum = (key: 'succeeded' | 'failed' | 'retried') =>
    timeline.reduce((total, p) => total + p[key], 0);
  const succeeded = sum('succeeded');
  const failed = sum('failed');
  const window = `the last ${data.stats?.minutes} minutes`;
  return html`<section aria-labelledby="over-time" class="charts">
    <h2 id="over-time">Over time</h2>
    <div class="grid two">
      <div>
        <h3>Throughput (tasks per minute)</h3>
        <${Chart}
          summary=${`Tasks finished per minute over ${window}: ${succeeded} succeeded, ${failed} failed, ${sum('retried')} retried`}
          series=${[
            { label: 'succeeded', color: '#137333' },
            { label: 'failed', color: '#b3261e', dash: true },
            { label: 'retried', color: '#8c5a00', dash: true },
          ]}
          data=${charts.throughput}
        />
      </div>
      <div>
        <h3>Success rate</h3>
        <${Chart}
          summary=${`Success rate per minute over ${window}: ${succeeded + failed > 0 ? percent(succeeded / (succeeded + failed)) : 'no finished tasks'} overall`}
          series=${[{ label: 'success rate', color: '#0b57d0' }]}
          data=${charts.rate}
          unit="%"
          range=${[0, 100]}
        />
      </div>
    </div>
  </section>`;
}

function TaskTable({ data }: { data: Overview }) {
  const tasks = (data.stats?.tasks ?? [])
    .filter((t) => t.count + t.retried + t.runs > 0)
    .sort((a, b) => b.count - a.count);
  return html`<section aria-labelledby="per-task">
    <h2 id="per-task">Tasks in the window</h2>
    ${
      tasks.length === 0
        ? html`<p>Nothing finished in this window.</p>`
        : html`<div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">task</th>
                  <th scope="col" class="num">finished</th>
                  <th scope="col" class="num">success</th>
                  <th scope="col" class="num">failed</th>
                  <th scope="col" class="num">retried</th>
                  <th scope="col" class="num">p50</th>
                  <th scope="col" class="num">p95</th>
                  <th scope="col" class="num">p99</th>
                  <th scope="col" class="num">per min</th>
                </tr>
              </thead>
              <tbody>
                ${tasks.map(
                  (t) => html`<tr>
                    <th scope="row"><${Link} href=${`/tasks?task=${encodeURIComponent(t.task)}`}>${t.task}</${Link}></th>
                    <td class="num">${count(t.count)}</td>
                    <td class="num">${percent(t.successRate)}</td>
                    <td class="num">${count(t.failed)}</td>
                    <td class="num">${count(t.retried)}</td>
                    <td class="num">${duration(t.p50Ms)}</td>
                    <td class="num"><strong>${duration(t.p95Ms)}</strong></td>
                    <td class="num">${duration(t.p99Ms)}</td>
                    <td class="num">${t.throughputPerMinute}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

function Beat({ data }: { data: Overview }) {
  return html`<section aria-labelledby="beat">
    <h2 id="beat">Beat: next fire times</h2>
    ${
      data.schedules.length === 0
        ? html`<p>No schedules in the beat.</p>`
        : html`<div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">schedule</th>
                  <th scope="col">task</th>
                  <th scope="col">expression</th>
                  <th scope="col">state</th>
                  <th scope="col">next</th>
                  <th scope="col">last tick</th>
                </tr>
              </thead>
              <tbody>
                ${data.schedules.map(
                  (s) => html`<tr>
                    <th scope="row">${s.name}</th>
                    <td>${s.task ?? '–'}</td>
                    <td><code>${s.expression}</code>${s.timezone !== 'UTC' ? ` ${s.timezone}` : ''}</td>
                    <td>${s.state === 'ENABLED' ? 'enabled' : 'paused'}</td>
                    <td>${s.nextDueAt ? html`<${Time} iso=${s.nextDueAt} relativeTo />` : '–'}</td>
                    <td>${s.lastTickAt ? html`<${Time} iso=${s.lastTickAt} relativeTo />` : 'none seen'}</td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}
