import { html } from 'htm/preact';
import type { LetterDetail } from '../../types.js';
import { Json, StateBadge, Time } from '../components.js';
import { Link } from '../router.js';

/** The letter beside its task's record. */
export function LetterPanel({ detail }: { detail: LetterDetail }) {
  const { letter, task } = detail;
  return html`<div class="grid two letter-panel">
    <section aria-label="The letter" class="card">
      <h3>The letter</h3>
      <dl class="details">
        <div><dt>queue</dt><dd>${letter.queue}</dd></div>
        <div><dt>message</dt><dd class="mono">${letter.messageId}${detail.ofTask > 1 ? ` (latest of ${detail.ofTask} letters of this task)` : ''}</dd></div>
        <div><dt>reason</dt><dd>${letter.reason}</dd></div>
        <div><dt>runs</dt><dd>${letter.attempts ?? '–'}</dd></div>
        <div><dt>failed at</dt><dd><${Time} iso=${letter.failedAt} /></dd></div>
        <div><dt>first sent</dt><dd><${Time} iso=${letter.sentAt} /></dd></div>
      </dl>
      ${
        letter.envelope
          ? html`<h4>Message <span class="muted small">(args redacted)</span></h4>
              <${Json} value=${letter.envelope} label="The letter's message" />`
          : html`<p class="note">${letter.bodyNote}</p>`
      }
    </section>
    <section aria-label="Its task record" class="card">
      <h3>Its task record</h3>
      ${
        task?.task
          ? html`<p>
                <${StateBadge} state=${task.state} /> attempt ${task.attempt ?? '–'} ·
                <${Link} href=${`/tasks/${encodeURIComponent(task.id)}`}>open the task</${Link}>
              </p>
              ${task.error ? html`<p class="error-text"><strong>${task.error.type}</strong>: ${task.error.message}</p>` : null}
              <ol class="timeline compact">
                ${(task.history ?? []).map(
                  (h) => html`<li>
                    <${Time} iso=${h.at} /> <${StateBadge} state=${h.state} /> <span class="muted">attempt ${h.attempt}</span>
                    ${h.error ? html` <span class="error-text">${h.error.type}</span>` : null}
                    ${h.note ? html` <span>${h.note}</span>` : null}
                  </li>`,
                )}
              </ol>`
          : html`<p class="muted">No record: the task never ran, or its record expired.</p>`
      }
    </section>
  </div>`;
}
