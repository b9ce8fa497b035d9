import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import type { UiMeta } from '../types.js';
import { getJson } from './api.js';
import { Problem } from './components.js';
import { usePoll } from './hooks.js';
import { Meta } from './meta.js';
import { ChildrenPage } from './pages/children.js';
import { DeadLettersPage } from './pages/dead-letters.js';
import { OverviewPage } from './pages/overview.js';
import { QueuesPage } from './pages/queues.js';
import { SchedulesPage } from './pages/schedules.js';
import { TaskPage } from './pages/task.js';
import { TasksPage } from './pages/tasks.js';
import { WorkflowPage } from './pages/workflow.js';
import { Link, useLocation } from './router.js';

const NAV = [
  ['/', 'Overview'],
  ['/tasks', 'Tasks'],
  ['/queues', 'Queues'],
  ['/dead-letters', 'Dead letters'],
  ['/schedules', 'Schedules'],
] as const;

function page(path: string, query: URLSearchParams) {
  const task = /^\/tasks\/([^/]+)(\/children)?$/.exec(path);
  if (task?.[1]) {
    const id = decodeURIComponent(task[1]);
    return task[2] ? html`<${ChildrenPage} id=${id} />` : html`<${TaskPage} id=${id} />`;
  }
  const workflow = /^\/workflows\/([^/]+)$/.exec(path);
  if (workflow?.[1]) return html`<${WorkflowPage} id=${decodeURIComponent(workflow[1])} />`;
  switch (path) {
    case '/':
      return html`<${OverviewPage} />`;
    case '/tasks':
      return html`<${TasksPage} query=${query} />`;
    case '/queues':
      return html`<${QueuesPage} />`;
    case '/dead-letters':
      return html`<${DeadLettersPage} query=${query} />`;
    case '/schedules':
      return html`<${SchedulesPage} />`;
    default:
      return html`<h1 tabindex="-1">Not found</h1>
        <p>No page at <code>${path}</code>. <${Link} href="/">Go to the overview</${Link}>.</p>`;
  }
}

export function App() {
  const { path, query } = useLocation();
  const meta = usePoll(
    (signal) => getJson<UiMeta>('/api/meta', undefined, signal),
    (data) => (data && !data.problem ? undefined : 5000),
    [],
  );
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // After a navigation, move focus to the new page's heading so keyboard and screen-reader
  // users start there, as after a full page load.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [path]);
  const section = path === '/' ? '/' : `/${path.split('/')[1]}`;
  const target = meta.data?.target;
  return html`<${Meta.Provider} value=${meta.data}>
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <span class="brand">Lovage</span>
      <nav aria-label="Pages">
        <ul>
          ${NAV.map(
            ([href, label]) =>
              html`<li>
                <${Link} href=${href} aria-current=${section === href ? 'page' : undefined}
                  >${label}</${Link}
                >
              </li>`,
          )}
        </ul>
      </nav>
      ${
        target
          ? html`<p class="target ${target.local ? 'local' : 'aws'}" title=${target.description}>
              <span class="where">${target.local ? 'Emulator' : 'AWS'}</span>
              stack <strong>${meta.data?.stack}</strong>
            </p>`
          : null
      }
    </header>
    <main id="main" ref=${main}>
      ${
        meta.data?.problem
          ? html`<${Problem}
              error=${{ ...meta.data.problem, name: 'ApiError' }}
              title="Lovage cannot reach the stack"
              top
            />`
          : html`<${Problem} error=${meta.error} />`
      }
      ${page(path, query)}
    </main>
  </${Meta.Provider}>`;
}
