import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { QueueStats, QueuesView } from '../../types.js';
import { type ApiError, getJson, postJson } from '../api.js';
import { Confirm, Freshness, Problem } from '../components.js';
import { count } from '../format.js';
import { usePoll } from '../hooks.js';
import { QueueTable } from '../queue-table.js';

const REFRESH_MS = 5000;

type Purge = { queue: QueueStats; which: 'queue' | 'dead-letters' };

export function QueuesPage() {
  const queues = usePoll(
    (signal) => getJson<QueuesView>('/api/queues', undefined, signal),
    () => REFRESH_MS,
    [],
  );
  const [asking, setAsking] = useState<Purge | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const purge = async ({ queue, which }: Purge) => {
    setAsking(undefined);
    setError(undefined);
    try {
      await postJson('/api/queues/purge', { queue: queue.queue, which, confirm: queue.queue });
      setDone(
        `Purged the ${which === 'queue' ? 'queue' : 'dead-letter queue'} of ${queue.queue}. SQS finishes a purge within a minute.`,
      );
      queues.reload();
    } catch (e) {
      setError(e as ApiError);
    }
  };
  const targets = queues.data?.targets;
  return html`<h1 tabindex="-1">Queues</h1>
    <p>One queue per category and priority tier, each with its dead-letter queue (DLQ).</p>
    <${Freshness} at=${queues.at} loading=${queues.loading} />
    <${Problem} error=${queues.error ?? error} />
    ${done ? html`<p role="status">${done}</p>` : null}
    ${
      queues.data && targets
        ? html`<${QueueTable}
            queues=${queues.data.queues}
            targets=${targets}
            actions=${(q: QueueStats) => html`
              <button type="button" class="danger small" aria-label=${`Purge queue ${q.queue}`} onClick=${() => setAsking({ queue: q, which: 'queue' })}>Queue</button>
              <button type="button" class="danger small" aria-label=${`Purge dead letters of ${q.queue}`} onClick=${() => setAsking({ queue: q, which: 'dead-letters' })}>DLQ</button>
            `}
          />`
        : null
    }
    ${
      asking
        ? html`<${Confirm}
            title=${`Purge the ${asking.which === 'queue' ? 'queue' : 'dead-letter queue'} of ${asking.queue.queue}?`}
            confirmLabel="Purge"
            danger
            typeToConfirm=${asking.queue.queue}
            onConfirm=${() => purge(asking)}
            onClose=${() => setAsking(undefined)}
          >
            ${
              asking.which === 'queue'
                ? html`<p>Deletes every message in it: ${count(asking.queue.visible)} waiting, ${count(asking.queue.delayed)} delayed and ${count(asking.queue.inFlight)} in flight. Those tasks never run. This cannot be undone.</p>`
                : html`<p>Deletes its ${count(asking.queue.deadLetters)} dead letter(s) for good: they can no longer be redriven. Their task records keep their FAILURE.</p>`
            }
          </${Confirm}>`
        : null
    }`;
}
