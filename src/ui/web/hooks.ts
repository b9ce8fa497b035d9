import { type Inputs, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.js';

export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  /** When the data shown was read. */
  readonly at: Date | undefined;
  /** Reads again now (after an action). */
  readonly reload: () => void;
}

const asApiError = (error: unknown) =>
  error instanceof ApiError ? error : new ApiError(0, 'Network', (error as Error).message);

/**
 * Reads `load` now and then again every `every(data)` ms (undefined: stop), only while the
 * page is visible; the data shown stays until new data replaces it, and an error is shown
 * beside it rather than instead of it.
 */
export function usePoll<T>(
  load: (signal: AbortSignal) => Promise<T>,
  every: (data: T | undefined) => number | undefined,
  inputs: Inputs,
): Polled<T> {
  const [state, setState] = useState<Omit<Polled<T>, 'reload'>>({
    data: undefined,
    error: undefined,
    loading: true,
    at: undefined,
  });
  const [generation, setGeneration] = useState(0);
  const everyRef = useRef(every);
  everyRef.current = every;
  useEffect(() => {
    const stop = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let waitingForVisible = false;
    let data: T | undefined;
    const tick = async () => {
      timer = undefined;
      if (document.hidden) {
        waitingForVisible = true;
        return;
      }
      setState((s) => ({ ...s, loading: true }));
      try {
        data = await load(stop.signal);
        if (stop.signal.aborted) return;
        setState({ data, error: undefined, loading: false, at: new Date() });
      } catch (error) {
        if (stop.signal.aborted) return;
        setState((s) => ({ ...s, error: asApiError(error), loading: false }));
      }
      const next = everyRef.current(data);
      if (next !== undefined && !stop.signal.aborted) timer = setTimeout(tick, next);
    };
    const onVisible = () => {
      if (!document.hidden && waitingForVisible) {
        waitingForVisible = false;
        void tick();
      }
    };
    document.addEventListener('visibilitychange', onVisible);
    void tick();
    return () => {
      stop.abort();
      if (timer) clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [...inputs, generation]);
  return { ...state, reload: () => setGeneration((g) => g + 1) };
}
