/**
 * Compare-then-fix: plans the checks, applies every available fix, reads the live state again
 * to confirm each fix held, and reports each property as `ok:`, `fixed:`, `not fixed:` or
 * `skip:` through `log`.
 */

import { applyFix, type DriftClients, readLiveStack } from './live.js';
import { describeDrift, planReconcile } from './plan.js';
import type { CfnTemplate } from './template.js';
import type { Check } from './types.js';

export interface ReconcileResult {
  /** Properties compared. */
  readonly checked: number;
  /** Properties that differed and match now. */
  readonly fixed: number;
  /** Properties that still differ after the fix (the emulator does not keep them). */
  readonly notFixed: number;
  /** Properties whose template value could not be resolved, so were not compared. */
  readonly skipped: number;
}

/**
 * Fixes what differs between `template` and the live stack. Only for emulators: on AWS, drift
 * is fixed by deploying, never by patching resources behind CloudFormation's back.
 *
 * @example
 * const { notFixed } = await repairDrift(template, 'Lovage', clients, console.log);
 */
export async function repairDrift(
  template: CfnTemplate,
  stackName: string,
  aws: DriftClients,
  log: (line: string) => void,
): Promise<ReconcileResult> {
  const before = planReconcile(template, await readLiveStack(template, stackName, aws));
  const drifted = before.filter((check) => check.status === 'drift');
  const errors = new Map<Check, string>();
  for (const check of drifted) {
    if (!check.fix) {
      // A resource deleted behind CloudFormation's back is not recreated by an update that
      // changes nothing: the stack has to be created again.
      errors.set(
        check,
        check.actual?.startsWith('missing') || check.property === 'Resource'
          ? 'no API call fixes this; create the stack again (npm run local:down, then npm run local:deploy)'
          : 'no API call fixes this; redeploy with npm run local:deploy -- --force',
      );
      continue;
    }
    try {
      await applyFix(check.fix, aws);
    } catch (error) {
      errors.set(
        check,
        `${error instanceof Error ? error.name : 'Error'}: ${(error as Error).message}`,
      );
    }
  }
  const after = drifted.length
    ? planReconcile(template, await readLiveStack(template, stackName, aws))
    : before;
  const stillDrifted = new Set(
    after.filter((check) => check.status === 'drift').map((check) => checkKey(check)),
  );

  printOk(before, log);
  let fixed = 0;
  for (const check of drifted) {
    const error = errors.get(check);
    if (!error && !stillDrifted.has(checkKey(check))) {
      fixed += 1;
      log(`fixed: ${describeDrift(check)}`);
    } else {
      const now = after.find((candidate) => checkKey(candidate) === checkKey(check));
      log(
        `not fixed: ${describeDrift(check)}: ${error ?? `the emulator still reports ${now?.actual}`}`,
      );
    }
  }
  // A fix can reveal drift the first pass could not see (a created mapping's settings).
  const driftedKeys = new Set(drifted.map(checkKey));
  const revealed = after.filter(
    (check) => check.status === 'drift' && !driftedKeys.has(checkKey(check)),
  );
  for (const check of revealed) log(`not fixed: ${describeDrift(check)}: run reconcile again`);
  const skipped = before.filter((check) => check.status === 'unresolved');
  for (const check of skipped) log(`skip: ${check.logicalId} ${check.property} (${check.reason})`);

  const result: ReconcileResult = {
    checked: before.length - skipped.length,
    fixed,
    notFixed: drifted.length - fixed + revealed.length,
    skipped: skipped.length,
  };
  const extra = [
    result.notFixed ? `${result.notFixed} not fixed` : '',
    result.skipped ? `${result.skipped} skipped` : '',
  ].filter(Boolean);
  log(
    `${result.checked} checked, ${result.fixed} fixed${extra.length ? `, ${extra.join(', ')}` : ''}`,
  );
  return result;
}

/** One `ok:` line per resource, naming the properties that matched. */
function printOk(checks: readonly Check[], log: (line: string) => void): void {
  const byResource = new Map<string, string[]>();
  for (const check of checks) {
    if (check.status !== 'ok') continue;
    const properties = byResource.get(check.logicalId) ?? [];
    properties.push(check.property);
    byResource.set(check.logicalId, properties);
  }
  for (const [logicalId, properties] of byResource)
    log(`ok: ${logicalId} ${properties.join(', ')}`);
}

function checkKey(check: Check): string {
  return `${check.logicalId}\u0000${check.property}`;
}
