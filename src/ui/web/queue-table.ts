import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import type { QueueStats, TierTargets } from '../types.js';
import { count, seconds } from './format.js';
import { Link } from './router.js';

/**
 * Depth and oldest message of every tier queue against its tier's targets (the alarms' and
 * the health check's numbers), and its dead letters; `actions` adds a column of buttons.
 */
export function QueueTable(props: {
  queues: readonly QueueStats[];
  targets: TierTargets;
  actions?: (queue: QueueStats) => ComponentChildren;
}) {
  return html`<div class="scroll">
    <table>
      <thead>
        <tr>
          <th scope="col">queue</th>
          <th scope="col" class="num">waiting</th>
          <th scope="col" class="num">target</th>
          <th scope="col" class="num">in flight</th>
          <th scope="col" class="num">delayed</th>
          <th scope="col" class="num">oldest</th>
          <th scope="col" class="num">target</th>
          <th scope="col" class="num">dead letters</th>
          ${props.actions ? html`<th scope="col">purge</th>` : null}
        </tr>
      </thead>
      <tbody>
        ${props.queues.map((q) => {
          const target = props.targets[q.queue.split('/')[1] as keyof TierTargets];
          const backlog = target !== undefined && q.visible > target.backlog;
          const late =
            target !== undefined && (q.oldestAgeSeconds ?? 0) > target.oldestMessageAgeSeconds;
          return html`<tr>
            <th scope="row">${q.queue}</th>
            <td class=${`num${backlog ? ' over' : ''}`}>${count(q.visible)}${backlog ? ' (over)' : ''}</td>
            <td class="num muted">${target ? count(target.backlog) : '–'}</td>
            <td class="num">${count(q.inFlight)}</td>
            <td class="num">${count(q.delayed)}</td>
            <td
              class=${`num${late ? ' over' : ''}`}
              title=${q.oldestAgeSeconds === undefined ? 'CloudWatch has no recent datapoint (an emulator emits none)' : undefined}
            >
              ${seconds(q.oldestAgeSeconds)}${late ? ' (over)' : ''}
            </td>
            <td class="num muted">${target ? seconds(target.oldestMessageAgeSeconds) : '–'}</td>
            <td class=${`num${q.deadLetters > 0 ? ' over' : ''}`}>
              ${
                q.deadLetters > 0
                  ? html`<${Link} href=${`/dead-letters?queue=${encodeURIComponent(q.queue)}`}>${count(q.deadLetters)}</${Link}>`
                  : '0'
              }
            </td>
            ${props.actions ? html`<td class="row-actions">${props.actions(q)}</td>` : null}
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}
