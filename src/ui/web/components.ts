import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiError } from './api.js';
import { localTime, relative } from './format.js';
import { useMeta } from './meta.js';

export function StateBadge({ state }: { state: string }) {
  return html`<span class="state state-${state.toLowerCase()}">${state}</span>`;
}

/** A time as the reader's local time, the exact ISO time in its tooltip. */
export function Time({ iso, relativeTo }: { iso: string | undefined; relativeTo?: boolean }) {
  if (!iso) return html`<span class="muted">–</span>`;
  return html`<time datetime=${iso} title=${iso}
    >${relativeTo ? relative(iso) : localTime(iso)}</time
  >`;
}

/** Pretty JSON in a scrollable block. */
export function Json({ value, label }: { value: unknown; label: string }) {
  return html`<pre class="json" tabindex="0" aria-label=${label}>
${JSON.stringify(value, null, 2)}</pre
  >`;
}

const HINTS: Record<string, string> = {
  Environment:
    'Check where the calls go (top right): start the emulator with npm run local:up and deploy with npm run local:deploy, or set AWS_PROFILE / AWS_REGION and deploy with cdk deploy. The page tries again by itself.',
  Refused: 'Open the address that lovage ui printed in its terminal: it carries this run’s token.',
  Network: 'The lovage ui process does not answer: is it still running?',
};

/**
 * An error, said in the page where it happened. A missing stack or credentials are said once,
 * at the top of every page, not again by each part of it.
 */
export function Problem({
  error,
  title,
  top,
}: {
  error: ApiError | undefined;
  title?: string;
  top?: boolean;
}) {
  const meta = useMeta();
  if (!error) return null;
  if (!top && error.error === 'Environment' && meta?.problem) return null;
  const hint = HINTS[error.error];
  return html`<div class="problem" role="alert">
    <strong>${title ?? (error.error === 'Environment' ? 'Lovage cannot reach the stack' : 'That did not work')}</strong>
    <p>${error.message}</p>
    ${hint ? html`<p class="hint">${hint}</p>` : null}
  </div>`;
}

/** When the data shown was read, and whether a read is under way. */
export function Freshness({ at, loading }: { at: Date | undefined; loading: boolean }) {
  return html`<p class="freshness muted" aria-live="off">
    ${at ? `updated ${at.toLocaleTimeString()}` : ''}${loading ? ' · reading…' : ''}
  </p>`;
}

interface ConfirmProps {
  readonly title: string;
  readonly children: ComponentChildren;
  readonly confirmLabel: string;
  /** The user must type this to confirm (a purge). */
  readonly typeToConfirm?: string;
  readonly danger?: boolean;
  readonly onConfirm: () => void;
  readonly onClose: () => void;
}

/**
 * A modal question in a native <dialog>: focus moves into it and stays there, Escape closes
 * it, and focus returns to what opened it.
 */
export function Confirm(props: ConfirmProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [typed, setTyped] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    return () => {
      dialog.close();
      opener?.focus();
    };
  }, []);
  const ready = props.typeToConfirm === undefined || typed === props.typeToConfirm;
  const submit = (event: Event) => {
    event.preventDefault();
    if (ready) props.onConfirm();
  };
  return html`<dialog ref=${ref} aria-labelledby="confirm-title" onClose=${props.onClose} onCancel=${props.onClose}>
    <form method="dialog" onSubmit=${submit}>
      <h2 id="confirm-title">${props.title}</h2>
      ${props.children}
      ${
        props.typeToConfirm !== undefined
          ? html`<label class="field"
            >Type <code>${props.typeToConfirm}</code> to confirm
            <input
              value=${typed}
              onInput=${(e: Event) => setTyped((e.target as HTMLInputElement).value)}
              autocomplete="off"
              spellcheck=${false}
          /></label>`
          : null
      }
      <div class="actions">
        <button type="button" onClick=${props.onClose}>Cancel</button>
        <button type="submit" class=${props.danger ? 'danger' : 'primary'} disabled=${!ready}>
          ${props.confirmLabel}
        </button>
      </div>
    </form>
  </dialog>`;
}

/** A bar for work that reports how far it got, labelled for screen readers. */
export function ProgressBar(props: {
  current: number;
  total: number;
  label: string;
  text?: string;
}) {
  const ratio = props.total > 0 ? Math.min(1, props.current / props.total) : 0;
  return html`<div class="progress">
    <progress
      max=${props.total || 1}
      value=${Math.min(props.current, props.total || 1)}
      aria-label=${props.label}
    ></progress>
    <span class="progress-text"
      >${props.current} / ${props.total} (${Math.round(ratio * 100)} %)${props.text ? ` · ${props.text}` : ''}</span
    >
  </div>`;
}
