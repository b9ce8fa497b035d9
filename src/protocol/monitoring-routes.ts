/**
 * Every route of the monitoring HTTP API, as API Gateway route keys: the
 * stack creates exactly these, the handler (src/api) serves exactly these.
 */
export const ROUTES = [
  'GET /health',
  'GET /queues',
  'GET /tasks',
  'GET /tasks/failed',
  'GET /tasks/slow',
  'GET /tasks/{id}',
  'POST /tasks/{name}',
  'POST /tasks/{id}/revoke',
  'GET /stats',
  'GET /schedules',
  'GET /metrics',
] as const;
export type RouteKey = (typeof ROUTES)[number];
