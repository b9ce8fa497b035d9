import { describe, expect, it } from 'vitest';
import { catalog } from '../../../src/catalog/index.js';
import { planWorkflow } from '../../../src/workflows/define.js';
import { WorkflowArgsError, WorkflowDefinitionError } from '../../../src/workflows/errors.js';
import { chainPayload, checkPayload, resultsPayload } from '../../../src/workflows/payload.js';
import {
  memberStepIds,
  pathOf,
  stepId,
  stepsOf,
  workflowIdsOf,
} from '../../../src/workflows/plan.js';

const add = (value = 0) => ({ task: 'diagnostics.add', args: { value } });

describe('planWorkflow', () => {
  it('plans a chain: only its first step is sent by the client, later ones by the engine', () => {
    const plan = planWorkflow(
      catalog,
      {
        kind: 'chain',
        steps: [add(1), { task: 'diagnostics.add', args: { add: 5 } }, { task: 'diagnostics.add' }],
      },
      { id: 'wf-1' },
    );
    expect(plan.first.map((s) => s.id)).toEqual(['wf-1.s0']);
    expect(plan.header).toMatchObject({ id: 'wf-1', kind: 'chain', state: 'PENDING', done: 0 });
    expect(plan.header.steps?.map((s) => s.args)).toEqual([undefined, { add: 5 }, undefined]);
    expect(stepsOf(plan.header).map((s) => s.id)).toEqual(['wf-1.s0', 'wf-1.s1', 'wf-1.s2']);
  });

  it('plans a chord: every member is sent first, the callback later; a member chain has its own step ids', () => {
    const plan = planWorkflow(
      catalog,
      {
        kind: 'chord',
        members: [add(1), { chain: [add(2), { task: 'diagnostics.add' }] }],
        callback: { task: 'diagnostics.collect' },
      },
      { id: 'wf-2' },
    );
    expect(plan.first.map((s) => s.id)).toEqual(['wf-2.m0', 'wf-2.m1.s0']);
    expect(plan.header.members).toEqual([1, 2]);
    expect(stepsOf(plan.header).map((s) => s.id)).toEqual([
      'wf-2.m0',
      'wf-2.m1.s0',
      'wf-2.m1.s1',
      'wf-2.callback',
    ]);
  });

  it('fails if a step names an unknown task, naming the step', () => {
    expect(() =>
      planWorkflow(
        catalog,
        { kind: 'chain', steps: [add(), { task: 'diagnostics.nope' }] },
        { id: 'wf' },
      ),
    ).toThrow(/workflow 'wf' step 1 \(diagnostics.nope\)/);
  });

  it('fails if the first step has a bad payload', () => {
    expect(() =>
      planWorkflow(catalog, {
        kind: 'chain',
        steps: [{ task: 'diagnostics.add', args: { value: 'x' } }],
      }),
    ).toThrow(WorkflowDefinitionError);
  });

  it('fails if a chord callback has no results field', () => {
    expect(() =>
      planWorkflow(catalog, {
        kind: 'chord',
        members: [add()],
        callback: { task: 'diagnostics.add' },
      }),
    ).toThrow(/has no 'results' field/);
  });

  it('fails if a later step is given a field its schema does not declare', () => {
    expect(() =>
      planWorkflow(catalog, {
        kind: 'chain',
        steps: [add(), { task: 'diagnostics.add', args: { nope: 1 } as never }],
      }),
    ).toThrow(/has no field 'nope'/);
  });

  it('fails if a later step is given a field of the wrong type, naming the field', () => {
    expect(() =>
      planWorkflow(catalog, {
        kind: 'chain',
        steps: [add(), { task: 'diagnostics.add', args: { add: 'x' } as never }],
      }),
    ).toThrow(/args do not fit its schema: add: /);
  });

  it('checks the given args of a refined object schema (a chord callback with a refinement)', () => {
    const members = [{ task: 'logs.process_file', args: { date: '2026-11-30', fileId: 'f' } }];
    expect(() =>
      planWorkflow(catalog, {
        kind: 'chord',
        members,
        callback: { task: 'logs.analyze', args: { date: '2026-11-30' } },
      }),
    ).not.toThrow();
    expect(() =>
      planWorkflow(catalog, {
        kind: 'chord',
        members,
        callback: { task: 'logs.analyze', args: { date: 'yesterday' } },
      }),
    ).toThrow(/date: a date as YYYY-MM-DD/);
  });

  it('fails if a step ignores its result (the engine moves on from committed results)', () => {
    expect(() =>
      planWorkflow(catalog, {
        kind: 'group',
        members: [{ task: 'diagnostics.ping_ignored', args: {} }],
      }),
    ).toThrow(/ignoreResult/);
  });

  it('gives the same plan hash to the same workflow, and another to a changed one', () => {
    const a = planWorkflow(catalog, { kind: 'chain', steps: [add(1)] }, { id: 'wf' });
    const b = planWorkflow(catalog, { kind: 'chain', steps: [add(1)] }, { id: 'wf' });
    const c = planWorkflow(catalog, { kind: 'chain', steps: [add(2)] }, { id: 'wf' });
    expect(a.header.planHash).toBe(b.header.planHash);
    expect(c.header.planHash).not.toBe(a.header.planHash);
  });
});

describe('step ids', () => {
  it('derives step ids from the workflow id and reads paths back', () => {
    expect(stepId('wf-9', { role: 'member', member: 3, index: 1 })).toBe('wf-9.m3.s1');
    expect(pathOf('wf-9', 'wf-9.m3.s1')).toEqual({ role: 'member', member: 3, index: 1 });
    expect(pathOf('wf-9', 'wf-9.callback')).toEqual({ role: 'callback' });
    expect(pathOf('wf-9', 'wf-9.x')).toBeUndefined();
    expect(pathOf('wf-9', 'other.s0')).toBeUndefined();
  });

  it('lists the workflow ids a step id may belong to', () => {
    expect(workflowIdsOf('wf.9.m3.s1')).toEqual(['wf.9', 'wf.9.m3']);
    expect(workflowIdsOf('plain-task')).toEqual([]);
  });

  it('names a single-task member without a step index', () => {
    expect(memberStepIds('wf', 0, 1)).toEqual(['wf.m0']);
    expect(memberStepIds('wf', 0, 2)).toEqual(['wf.m0.s0', 'wf.m0.s1']);
  });
});

describe('what a step receives', () => {
  it('passes a result object on with the step args merged over it', () => {
    expect(chainPayload({ value: 1, trail: ['a'] }, { add: 2 }, 'r')).toEqual({
      value: 1,
      trail: ['a'],
      add: 2,
    });
  });

  it('refuses a result that is not an object, naming where it came from', () => {
    expect(() => chainPayload(42, undefined, 'the result of a.b (wf.s0)')).toThrow(
      /the result of a.b \(wf.s0\) returned number/,
    );
  });

  it('gives a callback the results in group order', () => {
    expect(resultsPayload([1, 2], { journal: true })).toEqual({ journal: true, results: [1, 2] });
  });

  it('fails a payload that does not fit, naming both tasks', () => {
    const check = () =>
      checkPayload(
        catalog,
        'diagnostics.add',
        { value: 'not a number' },
        'diagnostics.add (wf.s1)',
        'the result of diagnostics.ping (wf.s0)',
      );
    expect(check).toThrow(WorkflowArgsError);
    expect(check).toThrow(
      /diagnostics.add \(wf.s1\) cannot take the result of diagnostics.ping \(wf.s0\): value/,
    );
  });
});
