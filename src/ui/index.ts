export type { UiContext } from './api.js';
export { isLoopback } from './security.js';
export { type RunningUi, startUi, type UiServerOptions } from './server.js';
export type { UiMeta, UiProblem, UiTarget } from './types.js';
