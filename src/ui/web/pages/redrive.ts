import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { RedriveLine, RedriveView } from '../../types.js';
import { type ApiError, postJson, postLines } from '../api.js';
import { Problem, ProgressBar } from '../components.js';

type Step =
  | { kind: 'idle' }
  | { kind: 'checking' }
  | { kind: 'checked'; result: RedriveView }
  | { kind: 'moving'; done: number; total: number; taskId?: string }
  | { kind: 'moved'; result: RedriveView };

interface RedriveProps {
  /** Which letters: the dead-letter filter (queue, id, task, errorType, since, until). */
  readonly filter: Readonly<Record<string, string>>;
  /** What the letters are, in words: "the letters that match the filters". */
  readonly what: string;
  /** After a redrive that moved letters. */
  readonly onMoved?: () => void;
}

/**
 * A redrive in two steps, as `lovage dlq redrive` does it: a dry run that says which letters
 * would move and why the others would not, then the redrive itself with its progress. Leaving
 * the page stops it after the letter in hand; the rest stay in the DLQ.
 */
export function Redrive({ filter, what, onMoved }: RedriveProps) {
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [rate, setRate] = useState(10);
  const [error, setError] = useState<ApiError | undefined>();
  const stop = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => stop.current?.abort(), []);
  const body = (dryRun: boolean) => ({ filter, dryRun, rate });
  const check = async () => {
    setError(undefined);
    setStep({ kind: 'checking' });
    try {
      setStep({
        kind: 'checked',
        result: await postJson<RedriveView>('/api/dead-letters/redrive', body(true)),
      });
    } catch (e) {
      setError(e as ApiError);
      setStep({ kind: 'idle' });
    }
  };
  const move = async () => {
    setError(undefined);
    const total = step.kind === 'checked' ? step.result.wouldMove : 0;
    setStep({ kind: 'moving', done: 0, total });
    stop.current = new AbortController();
    try {
      await postLines(
        '/api/dead-letters/redrive',
        body(false),
        (line) => {
          const l = line as RedriveLine;
          if (l.kind === 'progress')
            setStep({
              kind: 'moving',
              done: l.done,
              total: l.total,
              ...(l.taskId ? { taskId: l.taskId } : {}),
            });
          else {
            setStep({ kind: 'moved', result: l.result });
            if (l.result.moved > 0) onMoved?.();
          }
        },
        stop.current.signal,
      );
    } catch (e) {
      setError(e as ApiError);
      setStep({ kind: 'idle' });
    }
  };
  return html`<section class="redrive" aria-labelledby="redrive-title">
    <h2 id="redrive-title">Redrive</h2>
    <p>Sends ${what} back to their queues: each task is reopened, its original message sent, and only then the letter deleted.</p>
    <div class="toolbar">
      <label class="field inline"
        >Letters per second
        <input
          type="number"
          min="0.1"
          max="100"
          step="0.1"
          value=${rate}
          onInput=${(e: Event) => setRate(Number((e.target as HTMLInputElement).value))}
          disabled=${step.kind === 'moving'}
        />
      </label>
      <button type="button" onClick=${check} disabled=${step.kind === 'checking' || step.kind === 'moving'}>
        ${step.kind === 'checking' ? 'Checking…' : 'Dry run'}
      </button>
      ${
        step.kind === 'checked' && step.result.wouldMove > 0
          ? html`<button type="button" class="primary" onClick=${move}>
              Redrive ${step.result.wouldMove} letter${step.result.wouldMove === 1 ? '' : 's'}
            </button>`
          : null
      }
    </div>
    <${Problem} error=${error} />
    <div aria-live="polite">
      ${step.kind === 'checked' ? html`<${Outcome} result=${step.result} />` : null}
      ${
        step.kind === 'moving'
          ? html`<${ProgressBar}
              current=${step.done}
              total=${step.total}
              label="Letters redriven"
              text=${step.taskId ?? ''}
            />`
          : null
      }
      ${step.kind === 'moved' ? html`<${Outcome} result=${step.result} />` : null}
    </div>
  </section>`;
}

function Outcome({ result }: { result: RedriveView }) {
  const summary = result.dryRun
    ? `Dry run: ${result.wouldMove} of ${result.matched} letter(s) would move.`
    : `Moved ${result.moved} of ${result.matched} letter(s).`;
  return html`<div class="outcome">
    <p><strong>${summary}</strong>${result.complete ? '' : ' Not every letter was taken: run it again for the rest.'}</p>
    ${
      result.skipped.length + result.failed.length > 0
        ? html`<ul>
            ${result.skipped.map((s) => html`<li>Skipped <code>${s.letter.taskId ?? s.letter.messageId}</code>: ${s.reason}</li>`)}
            ${result.failed.map((f) => html`<li>Failed <code>${f.letter.taskId ?? f.letter.messageId}</code>: ${f.error}</li>`)}
          </ul>`
        : null
    }
  </div>`;
}
