import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { BeatTimes } from '../../types.js';
import { type ApiError, getJson, postJson } from '../api.js';
import { Freshness, Problem, Time } from '../components.js';
import { usePoll } from '../hooks.js';
import { Link } from '../router.js';

const REFRESH_MS = 15_000;

/** The beat as EventBridge Scheduler runs it: pause, resume, or run a tick now. */
export function SchedulesPage() {
  const schedules = usePoll(
    (signal) => getJson<BeatTimes[]>('/api/schedules', undefined, signal),
    () => REFRESH_MS,
    [],
  );
  const [busy, setBusy] = useState<string | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [sent, setSent] = useState<{ name: string; taskId: string } | undefined>();
  const act = async (name: string, verb: 'pause' | 'resume' | 'run-now') => {
    setBusy(`${name}:${verb}`);
    setError(undefined);
    try {
      const out = await postJson<{ taskId?: string }>(
        `/api/schedules/${encodeURIComponent(name)}/${verb}`,
      );
      if (verb === 'run-now' && out.taskId) setSent({ name, taskId: out.taskId });
      schedules.reload();
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(undefined);
    }
  };
  return html`<h1 tabindex="-1">Schedules</h1>
    <p>Periodic tasks from the catalog, read from EventBridge Scheduler, so a paused schedule shows as it is.</p>
    <${Freshness} at=${schedules.at} loading=${schedules.loading} />
    <${Problem} error=${schedules.error ?? error} />
    ${
      sent
        ? html`<p role="status">Sent a tick of ${sent.name}: <${Link} href=${`/tasks/${encodeURIComponent(sent.taskId)}`} class="mono">${sent.taskId}</${Link}></p>`
        : null
    }
    ${
      schedules.data
        ? html`<div class="scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">schedule</th>
                  <th scope="col">task</th>
                  <th scope="col">tier</th>
                  <th scope="col">expression</th>
                  <th scope="col">state</th>
                  <th scope="col">next</th>
                  <th scope="col">last tick</th>
                  <th scope="col">actions</th>
                </tr>
              </thead>
              <tbody>
                ${schedules.data.map(
                  (s) => html`<tr data-schedule=${s.name}>
                    <th scope="row">${s.name}</th>
                    <td>${s.task ? html`<${Link} href=${`/tasks?task=${encodeURIComponent(s.task)}`}>${s.task}</${Link}>` : '–'}</td>
                    <td>${s.tier ?? '–'}</td>
                    <td><code>${s.expression}</code>${s.timezone !== 'UTC' ? ` ${s.timezone}` : ''}</td>
                    <td>${s.state === 'ENABLED' ? 'enabled' : html`<strong>paused</strong>`}</td>
                    <td>${s.nextDueAt ? html`<${Time} iso=${s.nextDueAt} relativeTo />` : '–'}</td>
                    <td>${s.lastTickAt ? html`<${Time} iso=${s.lastTickAt} relativeTo />` : 'none seen'}</td>
                    <td class="row-actions">
                      ${
                        s.state === 'ENABLED'
                          ? html`<button type="button" class="small" disabled=${busy !== undefined} onClick=${() => act(s.name, 'pause')} aria-label=${`Pause ${s.name}`}>Pause</button>`
                          : html`<button type="button" class="small" disabled=${busy !== undefined} onClick=${() => act(s.name, 'resume')} aria-label=${`Resume ${s.name}`}>Resume</button>`
                      }
                      <button type="button" class="small" disabled=${busy !== undefined} onClick=${() => act(s.name, 'run-now')} aria-label=${`Run ${s.name} now`}>Run now</button>
                    </td>
                  </tr>`,
                )}
              </tbody>
            </table>
          </div>`
        : null
    }`;
}
