import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { LetterDetail, LettersRead } from '../../types.js';
import { type ApiError, getJson, withQuery } from '../api.js';
import { Freshness, Problem, Time } from '../components.js';
import { usePoll } from '../hooks.js';
import { useMeta } from '../meta.js';
import { Link, navigate } from '../router.js';
import { LetterPanel } from './letter.js';
import { Redrive } from './redrive.js';
import { TaskSelect } from './tasks.js';

const FILTERS = ['queue', 'id', 'task', 'errorType', 'since', 'until'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

/**
 * The dead letters of every DLQ (or those matching the filters), each beside its task record on
 * request, and a redrive of the matching ones. Letters are read when the page opens and when
 * asked: SQS has no peek, so a read hides them from other readers for a moment.
 */
export function DeadLettersPage({ query }: { query: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) ?? ''])) as Filters;
  const applied = Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '')) as Record<
    string,
    string
  >;
  const read = usePoll(
    (signal) => getJson<LettersRead>('/api/dead-letters', applied, signal),
    () => undefined,
    [query.toString()],
  );
  const [shown, setShown] = useState<LetterDetail | undefined>();
  const [showError, setShowError] = useState<ApiError | undefined>();
  const show = async (id: string, queue: string) => {
    setShowError(undefined);
    try {
      setShown(
        await getJson<LetterDetail>(`/api/dead-letters/${encodeURIComponent(id)}`, { queue }),
      );
    } catch (e) {
      setShowError(e as ApiError);
    }
  };
  const letters = read.data?.letters ?? [];
  return html`<h1 tabindex="-1">Dead letters</h1>
    <${LetterFilters} key=${query.toString()} initial=${filters} />
    <div class="toolbar">
      <button type="button" onClick=${read.reload} disabled=${read.loading}>
        ${read.loading ? 'Reading…' : 'Read again'}
      </button>
      <${Freshness} at=${read.at} loading=${read.loading} />
    </div>
    <p class="muted small">SQS has no peek: reading hides the letters from other readers for a few seconds.</p>
    <${Problem} error=${read.error} />
    ${read.data && !read.data.complete ? html`<p class="note">Stopped after 10,000 letters; more remain: narrow the filters.</p>` : null}
    ${
      read.data
        ? letters.length === 0
          ? html`<p>No dead letters${Object.keys(applied).length ? ' match these filters' : ''}.</p>`
          : html`<div class="scroll">
              <table>
                <caption>Letters, by queue, oldest first (${letters.length})</caption>
                <thead>
                  <tr>
                    <th scope="col">queue</th>
                    <th scope="col">task id</th>
                    <th scope="col">task</th>
                    <th scope="col" class="num">runs</th>
                    <th scope="col">failed at</th>
                    <th scope="col">reason</th>
                    <th scope="col"><span class="visually-hidden">show</span></th>
                  </tr>
                </thead>
                <tbody>
                  ${letters.map(
                    (l) => html`<tr data-task-id=${l.taskId}>
                      <td>${l.queue}</td>
                      <td>${l.taskId ? html`<${Link} href=${`/tasks/${encodeURIComponent(l.taskId)}`} class="mono">${l.taskId}</${Link}>` : '–'}</td>
                      <td>${l.task ?? '–'}</td>
                      <td class="num">${l.attempts ?? '–'}</td>
                      <td>${l.failedAt ? html`<${Time} iso=${l.failedAt} />` : html`sent <${Time} iso=${l.sentAt} />`}</td>
                      <td class="reason">${l.reason}</td>
                      <td>
                        <button type="button" class="small" onClick=${() => show(l.taskId ?? l.messageId, l.queue)} aria-label=${`Show the letter of ${l.taskId ?? l.messageId} beside its task`}>Show</button>
                      </td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
        : null
    }
    <${Problem} error=${showError} />
    ${shown ? html`<section aria-labelledby="shown"><h2 id="shown">Letter of <code>${shown.letter.taskId ?? shown.letter.messageId}</code></h2><${LetterPanel} detail=${shown} /></section>` : null}
    ${
      read.data && letters.length > 0
        ? html`<${Redrive}
            key=${query.toString()}
            filter=${applied}
            what=${Object.keys(applied).length ? 'the letters that match these filters' : 'every dead letter'}
            onMoved=${read.reload}
          />`
        : null
    }`;
}

function LetterFilters({ initial }: { initial: Filters }) {
  const meta = useMeta();
  const [f, setF] = useState(initial);
  const set = (key: keyof Filters) => (event: Event) =>
    setF({ ...f, [key]: (event.target as HTMLInputElement).value });
  const apply = (event: Event) => {
    event.preventDefault();
    const iso = (local: string) => (local ? new Date(local).toISOString() : '');
    navigate(withQuery('/dead-letters', { ...f, since: iso(f.since), until: iso(f.until) }));
  };
  // datetime-local shows local time; the address keeps ISO.
  const local = (iso: string) => {
    if (!iso) return '';
    const d = new Date(iso);
    return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
  };
  return html`<form class="filters" onSubmit=${apply} aria-label="Filter dead letters">
    <label class="field"
      >Queue
      <select value=${f.queue} onChange=${set('queue')}>
        <option value="">every DLQ</option>
        ${(meta?.queues ?? []).map((q) => html`<option value=${q}>${q}</option>`)}
      </select>
    </label>
    <${TaskSelect} value=${f.task} onChange=${set('task')} />
    <label class="field">Error type <input value=${f.errorType} onInput=${set('errorType')} placeholder="e.g. TimeoutError" /></label>
    <label class="field">Task id <input value=${f.id} onInput=${set('id')} autocomplete="off" /></label>
    <label class="field">Failed since <input type="datetime-local" value=${local(f.since)} onInput=${set('since')} /></label>
    <label class="field">Failed before <input type="datetime-local" value=${local(f.until)} onInput=${set('until')} /></label>
    <button type="submit" class="primary">Show</button>
  </form>`;
}
