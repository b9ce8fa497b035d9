import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import { STATES } from '../../../protocol/records.js';
import type { TaskStatus } from '../../types.js';
import { getJson, withQuery } from '../api.js';
import { Freshness, Problem, StateBadge, Time } from '../components.js';
import { duration } from '../format.js';
import { usePoll } from '../hooks.js';
import { useMeta } from '../meta.js';
import { Link, navigate } from '../router.js';

const SINCE = [
  ['15m', '15 minutes', 15 * 60_000],
  ['1h', '1 hour', 3_600_000],
  ['6h', '6 hours', 6 * 3_600_000],
  ['24h', '24 hours', 86_400_000],
  ['7d', '7 days', 7 * 86_400_000],
] as const;
const LIMITS = [50, 100, 200, 500];
const REFRESH_MS = 10_000;

/** The filters live in the address, so back, forward and a copied link keep them. */
export function TasksPage({ query }: { query: URLSearchParams }) {
  const task = query.get('task') ?? '';
  const state = query.get('state') ?? '';
  const since = query.get('since') ?? '24h';
  const limit = query.get('limit') ?? '50';
  const [live, setLive] = useState(true);
  const sinceMs = SINCE.find(([key]) => key === since)?.[2] ?? 86_400_000;
  const tasks = usePoll(
    (signal) =>
      getJson<TaskStatus[]>(
        '/api/tasks',
        {
          task,
          state,
          since: new Date(Date.now() - sinceMs).toISOString(),
          limit,
        },
        signal,
      ),
    () => (live ? REFRESH_MS : undefined),
    [task, state, sinceMs, limit, live],
  );
  return html`<h1 tabindex="-1">Tasks</h1>
    <${FindById} />
    <${Filters} key=${query.toString()} initial=${{ task, state, since, limit }} />
    <div class="toolbar">
      <label class="check"
        ><input
          type="checkbox"
          checked=${live}
          onChange=${(e: Event) => setLive((e.target as HTMLInputElement).checked)}
        />
        Refresh every ${REFRESH_MS / 1000} s</label
      >
      <${Freshness} at=${tasks.at} loading=${tasks.loading} />
    </div>
    <${Problem} error=${tasks.error} />
    ${tasks.data ? html`<${TaskList} tasks=${tasks.data} caption="Tasks, newest first" />` : null}`;
}

type TaskFilters = { task: string; state: string; since: string; limit: string };

/** The filter form: edited freely, applied to the address on submit. */
function Filters({ initial }: { initial: TaskFilters }) {
  const [f, setF] = useState(initial);
  const set = (key: keyof TaskFilters) => (event: Event) =>
    setF({ ...f, [key]: (event.target as HTMLSelectElement).value });
  const apply = (event: Event) => {
    event.preventDefault();
    navigate(withQuery('/tasks', f));
  };
  return html`<form class="filters" onSubmit=${apply} aria-label="Filter tasks">
    <${TaskSelect} value=${f.task} onChange=${set('task')} />
    <label class="field"
      >State
      <select value=${f.state} onChange=${set('state')}>
        <option value="">any state</option>
        ${STATES.map((s) => html`<option value=${s}>${s}</option>`)}
      </select>
    </label>
    <label class="field"
      >${f.state ? 'Updated in the last' : 'Created in the last'}
      <select value=${f.since} onChange=${set('since')}>
        ${SINCE.map(([key, label]) => html`<option value=${key}>${label}</option>`)}
      </select>
    </label>
    <label class="field"
      >At most
      <select value=${f.limit} onChange=${set('limit')}>
        ${LIMITS.map((n) => html`<option value=${n}>${n}</option>`)}
      </select>
    </label>
    <button type="submit" class="primary">Show</button>
  </form>`;
}

/** The catalog's tasks by category, for a filter. */
export function TaskSelect({
  value,
  onChange,
}: {
  value: string;
  onChange: (event: Event) => void;
}) {
  const meta = useMeta();
  const categories = new Map<string, string[]>();
  for (const t of meta?.tasks ?? []) {
    categories.set(t.category, [...(categories.get(t.category) ?? []), t.name]);
  }
  return html`<label class="field"
    >Task
    <select value=${value} onChange=${onChange}>
      <option value="">any task</option>
      ${[...categories].map(
        ([category, names]) =>
          html`<optgroup label=${category}>
            ${names.map((n) => html`<option value=${n}>${n}</option>`)}
          </optgroup>`,
      )}
    </select>
  </label>`;
}

function FindById() {
  const [id, setId] = useState('');
  const find = (event: Event) => {
    event.preventDefault();
    const trimmed = id.trim();
    if (trimmed) navigate(`/tasks/${encodeURIComponent(trimmed)}`);
  };
  return html`<form class="find" role="search" onSubmit=${find}>
    <label class="field inline"
      >Find a task by id
      <input
        name="id"
        value=${id}
        onInput=${(e: Event) => setId((e.target as HTMLInputElement).value)}
        placeholder="task id"
        autocomplete="off"
        spellcheck=${false}
        size="40"
      />
    </label>
    <button type="submit">Find</button>
  </form>`;
}

/** Tasks as a table; each id opens the task. */
export function TaskList({ tasks, caption }: { tasks: readonly TaskStatus[]; caption: string }) {
  if (tasks.length === 0) return html`<p>No tasks match.</p>`;
  return html`<div class="scroll">
    <table class="tasks">
      <caption>
        ${caption} (${tasks.length})
      </caption>
      <thead>
        <tr>
          <th scope="col">id</th>
          <th scope="col">task</th>
          <th scope="col">state</th>
          <th scope="col" class="num">attempt</th>
          <th scope="col">tier</th>
          <th scope="col">created</th>
          <th scope="col">updated</th>
          <th scope="col" class="num">duration</th>
        </tr>
      </thead>
      <tbody>
        ${tasks.map(
          (t) => html`<tr data-task-id=${t.id}>
            <th scope="row"><${Link} href=${`/tasks/${encodeURIComponent(t.id)}`} class="mono">${t.id}</${Link}></th>
            <td>${t.task ?? '–'}</td>
            <td><${StateBadge} state=${t.state} /></td>
            <td class="num">${t.attempt ?? '–'}</td>
            <td>${t.tier ?? '–'}</td>
            <td><${Time} iso=${t.createdAt} /></td>
            <td><${Time} iso=${t.updatedAt} /></td>
            <td class="num">${duration(t.durationMs)}</td>
          </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
