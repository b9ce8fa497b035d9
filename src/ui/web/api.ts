/**
 * Talks to the UI's server: reads are plain GETs (the session cookie goes along); every action
 * carries the action token the server put in the page, as a header no other site can set.
 */

const ACTION_TOKEN =
  document.querySelector<HTMLMetaElement>('meta[name="lovage-action-token"]')?.content ?? '';

/** An answer that is not a success: `error` is the server's code (`Environment`, ...). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | undefined>;

async function failure(response: Response): Promise<ApiError> {
  let body: { error?: string; message?: string } = {};
  try {
    body = await response.json();
  } catch {
    // Not JSON: the status says enough.
  }
  return new ApiError(
    response.status,
    body.error ?? 'Error',
    body.message ?? `${response.status} ${response.statusText}`,
  );
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

export async function getJson<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T> {
  const response = await fetch(withQuery(path, query), {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
    ...(signal ? { signal } : {}),
  });
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

function post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-lovage-action-token': ACTION_TOKEN,
    },
    body: JSON.stringify(body ?? {}),
    ...(signal ? { signal } : {}),
  });
}

export async function postJson<T>(path: string, body?: unknown): Promise<T> {
  const response = await post(path, body);
  if (!response.ok) throw await failure(response);
  return (await response.json()) as T;
}

/**
 * An action that answers with one JSON object per line as it goes (a redrive's progress);
 * `onLine` gets each. A line `{ kind: 'error' }` ends it with that error.
 */
export async function postLines(
  path: string,
  body: unknown,
  onLine: (line: Record<string, unknown>) => void,
  signal?: AbortSignal,
): Promise<void> {
  const response = await post(path, body, signal);
  if (!response.ok || !response.body) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += value;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
      buffer = buffer.slice(newline + 1);
      if (line.kind === 'error') {
        throw new ApiError(
          Number(line.status ?? 500),
          String(line.error ?? 'Error'),
          String(line.message ?? 'failed'),
        );
      }
      onLine(line);
      newline = buffer.indexOf('\n');
    }
    if (done) return;
  }
}
