import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { LetterDetail, TaskDetail } from '../../types.js';
import { type ApiError, getJson, postJson } from '../api.js';
import { Confirm, Freshness, Json, Problem, ProgressBar, StateBadge, Time } from '../components.js';
import { duration } from '../format.js';
import { usePoll } from '../hooks.js';
import { Link } from '../router.js';
import { LetterPanel } from './letter.js';
import { Redrive } from './redrive.js';

const FINISHED = ['SUCCESS', 'FAILURE', 'REVOKED', 'EXPIRED'];
/** A task that may be running is read every second, so its progress bar moves as it reports. */
const LIVE_MS = 1000;
/** A task scheduled for later. */
const WAITING_MS = 5000;

function refresh(t: TaskDetail | undefined): number | undefined {
  if (t && FINISHED.includes(t.state)) return undefined;
  return t?.state === 'PENDING' && t.eta && Date.parse(t.eta) > Date.now() + 60_000
    ? WAITING_MS
    : LIVE_MS;
}

export function TaskPage({ id }: { id: string }) {
  const task = usePoll(
    (signal) => getJson<TaskDetail>(`/api/tasks/${encodeURIComponent(id)}`, undefined, signal),
    refresh,
    [id],
  );
  const t = task.data;
  // Once its letter is open, the section stays when a redrive moves the task on (to PENDING,
  // then SUCCESS), so the redrive's outcome stays in view.
  const [letterOf, setLetterOf] = useState<string | undefined>();
  const letterShown =
    t?.queue !== undefined &&
    (letterOf === id || ['FAILURE', 'STARTED', 'PROGRESS'].includes(t.state));
  return html`<h1 tabindex="-1">Task <code class="id">${id}</code></h1>
    <${Freshness} at=${task.at} loading=${task.loading} />
    <${Problem} error=${task.error} />
    ${t ? html`<${Summary} t=${t} reload=${task.reload} />` : null}
    ${t && !t.task && !t.createdAt ? html`<p class="note">No record of this id yet: it is queued and not started, was never sent, or its record has expired. This page keeps looking.</p>` : null}
    ${t?.task ? html`<${Details} t=${t} />` : null}
    ${t && letterShown ? html`<${TaskLetter} t=${t} reload=${task.reload} onFound=${() => setLetterOf(id)} />` : null}
    ${t?.history?.length ? html`<${History} t=${t} />` : null}`;
}

function Summary({ t, reload }: { t: TaskDetail; reload: () => void }) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<ApiError | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const finished = FINISHED.includes(t.state);
  const revoke = async () => {
    setAsking(false);
    setError(undefined);
    try {
      const result = await postJson<{ revoked: boolean; state: string; scheduleDeleted: boolean }>(
        `/api/tasks/${encodeURIComponent(t.id)}/revoke`,
      );
      setDone(
        result.revoked
          ? `Revoked${result.scheduleDeleted ? ', and its pending schedule deleted' : ''}.`
          : `Not revoked: it is already ${result.state}.`,
      );
      reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  return html`<section class="summary" aria-label="State">
    <p class="headline">
      <${StateBadge} state=${t.state} />
      ${t.task ? html` <${Link} href=${`/tasks?task=${encodeURIComponent(t.task)}`}>${t.task}</${Link}>` : null}
      ${t.attempt ? html` <span class="muted">attempt ${t.attempt}</span>` : null}
      ${t.tier ? html` <span class="muted">· ${t.tier}</span>` : null}
    </p>
    ${
      t.progress && !finished
        ? html`<${ProgressBar}
            current=${t.progress.current}
            total=${t.progress.total}
            label="Task progress"
            text=${t.progress.message ?? ''}
          />`
        : null
    }
    <div class="actions">
      ${
        finished
          ? null
          : html`<button type="button" class="danger" onClick=${() => setAsking(true)}>Revoke</button>`
      }
      <${Link} href=${`/tasks/${encodeURIComponent(t.id)}/children`} class="button">Tasks it sent</${Link}>
    </div>
    ${done ? html`<p role="status">${done}</p>` : null}
    <${Problem} error=${error} />
    ${
      asking
        ? html`<${Confirm}
            title="Revoke this task?"
            confirmLabel="Revoke"
            danger
            onConfirm=${revoke}
            onClose=${() => setAsking(false)}
          >
            <p>A queued task will be skipped, a scheduled one unscheduled, and a running one aborted at its next progress report. A finished task is left as it is.</p>
          </${Confirm}>`
        : null
    }
  </section>`;
}

function Details({ t }: { t: TaskDetail }) {
  const item = (label: string, value: unknown) =>
    value === undefined || value === null || value === ''
      ? null
      : html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
  const task = (id: string | undefined) =>
    id
      ? html`<${Link} href=${`/tasks/${encodeURIComponent(id)}`} class="mono">${id}</${Link}>`
      : undefined;
  return html`<section aria-labelledby="details">
      <h2 id="details">Details</h2>
      <dl class="details">
        ${item('created', html`<${Time} iso=${t.createdAt} />`)}
        ${t.startedAt ? item('started', html`<${Time} iso=${t.startedAt} />`) : null}
        ${t.finishedAt ? item('finished', html`<${Time} iso=${t.finishedAt} />`) : null}
        ${t.eta ? item('runs from', html`<${Time} iso=${t.eta} />`) : null}
        ${t.expires ? item('expires', html`<${Time} iso=${t.expires} />`) : null}
        ${t.durationMs !== undefined ? item('last run took', duration(t.durationMs)) : null}
        ${item('source', t.source)}
        ${item('correlation id', t.correlationId)}
        ${
          t.workflowId
            ? item(
                'workflow',
                html`<${Link} href=${`/workflows/${encodeURIComponent(t.workflowId)}`} class="mono">${t.workflowId}</${Link}>`,
              )
            : null
        }
        ${item('parent', task(t.parentId))}
        ${t.rootId !== t.parentId && t.rootId !== t.workflowId ? item('root', task(t.rootId)) : null}
      </dl>
    </section>
    <section aria-labelledby="args">
      <h2 id="args">Arguments <span class="muted small">(redacted as in the logs)</span></h2>
      ${t.args === undefined ? html`<p class="muted">Not recorded.</p>` : html`<${Json} value=${t.args} label="Arguments" />`}
    </section>
    ${
      t.error
        ? html`<section aria-labelledby="error">
            <h2 id="error">Error</h2>
            <p class="error-text"><strong>${t.error.type}</strong>: ${t.error.message}</p>
          </section>`
        : null
    }
    ${
      t.result !== undefined
        ? html`<section aria-labelledby="result">
            <h2 id="result">Result</h2>
            <${Json} value=${t.result} label="Result" />
          </section>`
        : null
    }`;
}

function History({ t }: { t: TaskDetail }) {
  return html`<section aria-labelledby="history">
    <h2 id="history">History</h2>
    <ol class="timeline">
      ${(t.history ?? []).map(
        (h) => html`<li>
          <${Time} iso=${h.at} />
          <${StateBadge} state=${h.state} />
          <span class="muted">attempt ${h.attempt}</span>
          ${h.error ? html`<span class="error-text">${h.error.type}: ${h.error.message}</span>` : null}
          ${h.note ? html`<span>${h.note}</span>` : null}
        </li>`,
      )}
    </ol>
  </section>`;
}

/** A failed (or lost) task's dead letter: found on request, since reading a DLQ hides its letters a moment. */
function TaskLetter({
  t,
  reload,
  onFound,
}: {
  t: TaskDetail;
  reload: () => void;
  onFound: () => void;
}) {
  const [letter, setLetter] = useState<LetterDetail | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [looking, setLooking] = useState(false);
  const find = async () => {
    setLooking(true);
    setError(undefined);
    try {
      setLetter(await getJson<LetterDetail>(`/api/tasks/${encodeURIComponent(t.id)}/letter`));
      onFound();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setLooking(false);
    }
  };
  return html`<section aria-labelledby="letter">
    <h2 id="letter">Dead letter</h2>
    ${
      letter
        ? html`<${LetterPanel} detail=${letter} />
            <${Redrive}
              filter=${{ queue: letter.letter.queue, id: t.id }}
              what="this task's letter"
              onMoved=${reload}
            />`
        : html`<p>
            <button type="button" onClick=${find} disabled=${looking}>
              ${looking ? 'Looking…' : `Find its letter in the ${t.queue} DLQ`}
            </button>
          </p>`
    }
    <${Problem} error=${error} />
  </section>`;
}
