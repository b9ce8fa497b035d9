/** Types for scripts/node22.mjs (plain JavaScript, so that it starts on an older node). */

export declare const NODE22_VERSION: string;
export declare const MIN_NODE: readonly [number, number];

/** The node the project's commands run on; `project` when it is the one in `.lovage/`. */
export interface ChosenNode {
  readonly node: string;
  readonly version: string;
  readonly project: boolean;
}

export declare function isNewEnough(version: string): boolean;
export declare function ensureNode22(log?: (message: string) => void): ChosenNode;
export declare function node22Env(env?: NodeJS.ProcessEnv, node?: string): NodeJS.ProcessEnv;
export declare function describeNode(chosen: ChosenNode): string;
export declare function runOnNode22(
  command: string,
  args: readonly string[],
  options?: { readonly quiet?: boolean },
): void;
