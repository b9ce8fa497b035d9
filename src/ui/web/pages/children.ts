import { html } from 'htm/preact';
import type { TaskStatus } from '../../types.js';
import { getJson } from '../api.js';
import { Freshness, Problem } from '../components.js';
import { usePoll } from '../hooks.js';
import { Link } from '../router.js';
import { TaskList } from './tasks.js';

const REFRESH_MS = 5000;

/**
 * The tasks a task sent (by parent id) and the tree it started (by root id), from the last
 * seven days. The place where workflows (chains, groups, chords) will show as a tree.
 */
export function ChildrenPage({ id }: { id: string }) {
  const since = new Date(Date.now() - 7 * 86_400_000).toISOString();
  const read = usePoll(
    async (signal) => {
      const [children, tree] = await Promise.all([
        getJson<TaskStatus[]>('/api/tasks', { parent: id, since, limit: 500 }, signal),
        getJson<TaskStatus[]>('/api/tasks', { root: id, since, limit: 500 }, signal),
      ]);
      return { children, tree };
    },
    () => REFRESH_MS,
    [id],
  );
  const href = `/tasks/${encodeURIComponent(id)}`;
  return html`<h1 tabindex="-1">Tasks sent by <code class="id">${id}</code></h1>
    <p><${Link} href=${href}>Back to the task</${Link}></p>
    <${Freshness} at=${read.at} loading=${read.loading} />
    <${Problem} error=${read.error} />
    ${
      read.data
        ? html`<section aria-labelledby="children">
              <h2 id="children">Its children</h2>
              <${TaskList} tasks=${read.data.children} caption="Tasks whose parent is this task" />
            </section>
            <section aria-labelledby="tree">
              <h2 id="tree">Its tree</h2>
              <${TaskList} tasks=${read.data.tree} caption="Tasks whose root is this task" />
            </section>`
        : null
    }`;
}
