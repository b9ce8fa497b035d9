import { html } from 'htm/preact';
import type { WorkflowStatus } from '../../types.js';
import { getJson } from '../api.js';
import { Freshness, Json, Problem, StateBadge } from '../components.js';
import { usePoll } from '../hooks.js';
import { Link } from '../router.js';

const FINISHED = ['SUCCESS', 'FAILURE', 'REVOKED'];
/** A workflow still going is read every second, so its steps' states move as they run. */
const LIVE_MS = 1000;

/** How deep a step sits: `s1`, `m3`, `callback` at the top; `m3.s0` (a chain inside a group member) below. */
const depthOf = (path: string) => Math.min(path.split('.').length - 1, 3);

/**
 * A workflow (chain, group or chord) as a tree of its steps, in tree order, each with its
 * state and a link to its task page. Read through the client's `workflow(id).get()`.
 */
export function WorkflowPage({ id }: { id: string }) {
  const read = usePoll(
    (signal) =>
      getJson<WorkflowStatus>(`/api/workflows/${encodeURIComponent(id)}`, undefined, signal),
    (w) => (w && FINISHED.includes(w.state) ? undefined : LIVE_MS),
    [id],
  );
  const w = read.data;
  return html`<h1 tabindex="-1">Workflow <code class="id">${id}</code></h1>
    <${Freshness} at=${read.at} loading=${read.loading} />
    <${Problem} error=${read.error} />
    ${
      w
        ? html`<section class="summary" aria-label="State">
              <p class="headline">
                <${StateBadge} state=${w.state} />
                <span class="muted"> ${w.kind} of ${w.steps.length} steps</span>
              </p>
              ${w.failure ? html`<p class="error-text">${w.failure.reason}</p>` : null}
              ${w.revokeReason ? html`<p class="muted">Revoked: ${w.revokeReason}</p>` : null}
            </section>
            <section aria-labelledby="steps">
              <h2 id="steps">Steps</h2>
              <ul class="workflow-tree" aria-label="Steps of the workflow">
                ${w.steps.map(
                  (step) => html`<li
                    class=${`workflow-step depth-${depthOf(step.path)}`}
                    data-step-path=${step.path}
                    data-state=${step.state}
                  >
                    <code class="path">${step.path}</code>
                    <${StateBadge} state=${step.state} />
                    <${Link} href=${`/tasks/${encodeURIComponent(step.id)}`}>${step.task}</${Link}>
                    ${step.attempt && step.attempt > 1 ? html`<span class="muted"> attempt ${step.attempt}</span>` : null}
                    ${step.error ? html`<span class="muted"> ${step.error.type}: ${step.error.message}</span>` : null}
                  </li>`,
                )}
              </ul>
            </section>
            ${
              w.state === 'SUCCESS' && w.result !== undefined
                ? html`<section aria-labelledby="result">
                    <h2 id="result">Result</h2>
                    <${Json} value=${w.result} label="Workflow result" />
                  </section>`
                : null
            }`
        : null
    }`;
}
