import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ACTIVE_STATES,
  allowedActions,
  EVENTS,
  FINAL_STATES,
  IllegalMove,
  lifecycleDiagram,
  nextState,
  type RequestEvent,
  type RequestState,
  STATES,
} from '../../src/domain/lifecycle.js';

/** The whole table of allowed moves, written out by hand: [from, event, to]. */
const ALLOWED: readonly (readonly [RequestState, RequestEvent, RequestState])[] = [
  ['pending', 'approve_last', 'approved'],
  ['pending', 'reject', 'rejected'],
  ['pending', 'cancel', 'cancelled'],
  ['pr_failed', 'cancel', 'cancelled'],
  ['pending', 'withdraw', 'cancelled'],
  ['pending', 'expire', 'expired'],
  ['pr_failed', 'expire', 'expired'],
  ['approved', 'pr_opened', 'pr_open'],
  ['pr_failed', 'pr_opened', 'pr_open'],
  ['approved', 'pr_failed', 'pr_failed'],
  ['pr_failed', 'retry', 'approved'],
  ['approved', 'plan_changed', 'pending'],
  ['pr_failed', 'plan_changed', 'pending'],
  ['approved', 'plan_failed', 'refused'],
  ['pr_failed', 'plan_failed', 'refused'],
  ['approved', 'already_configured', 'no_change'],
  ['pr_failed', 'already_configured', 'no_change'],
  ['pr_open', 'merged', 'merged'],
  ['abandoned', 'merged', 'merged'],
  ['approved', 'alias_moved', 'merged'],
  ['pr_failed', 'alias_moved', 'merged'],
  ['pr_open', 'closed_unmerged', 'abandoned'],
  ['abandoned', 'reopened', 'pr_open'],
  ['merged', 'verified', 'completed'],
  ['merged', 'verify_failed', 'verify_failed'],
];

describe('the lifecycle table', () => {
  const pairs = STATES.flatMap((state) => EVENTS.map((event) => [state, event] as const));

  it.each(pairs)('%s --%s-->: the move in the table, or an IllegalMove error', (state, event) => {
    const expected = ALLOWED.find(([f, e]) => f === state && e === event)?.[2];
    if (expected) expect(nextState(state, event)).toBe(expected);
    else expect(() => nextState(state, event)).toThrow(IllegalMove);
  });

  it('reaches approved only by the last approval or a Retry', () => {
    const into = pairs.filter(([s, e]) =>
      ALLOWED.some(([f, ev, to]) => f === s && ev === e && to === 'approved'),
    );
    expect(into.map(([s, e]) => `${s}:${e}`)).toEqual(['pending:approve_last', 'pr_failed:retry']);
  });

  it('leaves no final state except an abandoned PR, which reopening or a late merge revives', () => {
    for (const state of FINAL_STATES.filter((s) => s !== 'abandoned')) {
      for (const event of EVENTS) expect(() => nextState(state, event), `${state} --${event}-->`).toThrow();
    }
  });

  it('splits every state into active or final, and every state is reachable', () => {
    expect([...ACTIVE_STATES, ...FINAL_STATES].sort()).toEqual([...STATES].sort());
    const reached = new Set<RequestState>(['pending', ...ALLOWED.map(([, , to]) => to)]);
    expect([...reached].sort()).toEqual([...STATES].sort());
  });
});

describe('allowedActions', () => {
  const actions = (state: RequestState, ok = true) => [...allowedActions({ state, plan: { ok } })].sort();

  it('lets a pending request with a passing plan be approved, rejected or cancelled', () => {
    expect(actions('pending')).toEqual(['approve', 'cancel', 'reject']);
  });

  it('never lets a plan with a failed check be approved', () => {
    for (const state of STATES) expect(actions(state, false)).not.toContain('approve');
    expect(actions('pending', false)).toEqual(['cancel', 'reject']);
  });

  it('offers retry and cancel after a failed PR, nothing once a PR is open or the request ended', () => {
    expect(actions('pr_failed')).toEqual(['cancel', 'retry']);
    for (const state of STATES.filter((s) => s !== 'pending' && s !== 'pr_failed'))
      expect(actions(state), state).toEqual([]);
  });
});

describe('the README’s lifecycle diagram', () => {
  it('is the one generated from the table', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /```mermaid\n(stateDiagram-v2[\s\S]*?)\n```/.exec(readme)?.[1];
    expect(block, 'README.md has a ```mermaid stateDiagram-v2 block').toBeDefined();
    expect(block).toBe(lifecycleDiagram());
  });
});
