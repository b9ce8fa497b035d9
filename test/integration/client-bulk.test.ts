import { beforeAll, describe, expect, it } from 'vitest';
import { describeRun, sendManyAndWait } from '../../bench/send-many.js';
import { deployed } from '../helpers/deployed.js';

let env: Awaited<ReturnType<typeof deployed>>;

beforeAll(async () => {
  env = await deployed();
});

describe('sendMany at volume', () => {
  it('sends 1,000 check_quota tasks and every one reaches SUCCESS', {
    timeout: 900_000,
  }, async () => {
    const run = await sendManyAndWait(env.lovage, 1000, 840_000);
    // The figures are printed, not asserted: speed is measured, never a test condition.
    console.log(describeRun(1000, run));
    expect(run.result.failed).toEqual([]);
    expect(run.result.sent).toHaveLength(1000);
    expect(new Set(run.result.sent.map((s) => s.id)).size).toBe(1000);
    const states = [...run.states.values()];
    expect(states).toHaveLength(1000);
    expect(states.every((s) => s === 'SUCCESS')).toBe(true);
  });
});
