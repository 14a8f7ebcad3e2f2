import { describe, expect, it } from 'vitest';
import {
  ACTIVE_STATES,
  allowedActions,
  FINAL_STATES,
  newBranchToken,
  newRequestId,
  nextState,
  type RequestEvent,
  type RequestState,
  type RollbackRequest,
  STATES,
} from '../../src/domain/request.js';

/** The whole table of allowed moves: [from, event, to]. */
const ALLOWED: readonly (readonly [RequestState, RequestEvent, RequestState])[] = [
  ['pending', 'approve_last', 'approved'],
  ['pending', 'reject', 'rejected'],
  ['pending', 'cancel', 'cancelled'],
  ['pr_failed', 'cancel', 'cancelled'],
  ['pending', 'expire', 'expired'],
  ['pr_failed', 'expire', 'expired'],
  ['approved', 'pr_opened', 'pr_open'],
  ['pr_failed', 'pr_opened', 'pr_open'],
  ['approved', 'pr_failed', 'pr_failed'],
  ['pr_failed', 'retry', 'approved'],
  ['pr_open', 'merged', 'merged'],
  ['abandoned', 'merged', 'merged'],
  ['merged', 'verified', 'completed'],
  ['pr_open', 'verified', 'completed'],
  ['merged', 'verify_failed', 'verify_failed'],
  ['pr_open', 'verify_failed', 'verify_failed'],
  ['pr_open', 'closed_unmerged', 'abandoned'],
  ['abandoned', 'reopened', 'pr_open'],
  ['approved', 'plan_changed', 'pending'],
  ['pr_failed', 'plan_changed', 'pending'],
  ['approved', 'already_configured', 'no_change'],
  ['pr_failed', 'already_configured', 'no_change'],
  ['approved', 'plan_failed', 'refused'],
  ['pr_failed', 'plan_failed', 'refused'],
];

const EVENTS: readonly RequestEvent[] = [
  'approve_last',
  'reject',
  'cancel',
  'expire',
  'pr_opened',
  'pr_failed',
  'retry',
  'merged',
  'verified',
  'verify_failed',
  'closed_unmerged',
  'reopened',
  'plan_changed',
  'already_configured',
  'plan_failed',
];

describe('nextState', () => {
  it.each(ALLOWED)('%s --%s--> %s', (from, event, to) => {
    expect(nextState(from, event)).toBe(to);
  });

  it.each([
    ['approved', 'approve_last'],
    ['pr_open', 'cancel'],
    ['approved', 'cancel'],
    ['pending', 'retry'],
    ['pending', 'pr_opened'],
    ['pending', 'merged'],
    ['approved', 'reject'],
    ['approved', 'expire'],
    ['pr_open', 'expire'],
    ['completed', 'merged'],
    ['rejected', 'approve_last'],
    ['cancelled', 'approve_last'],
    ['expired', 'approve_last'],
    ['refused', 'approve_last'],
    ['dry_run', 'approve_last'],
    ['dry_run', 'pr_opened'],
    ['pending', 'plan_changed'],
    ['pr_open', 'plan_changed'],
    ['pending', 'plan_failed'],
    ['pr_open', 'plan_failed'],
  ] as const)('refuses %s --%s-->', (from, event) => {
    expect(nextState(from, event)).toBeUndefined();
  });

  it('allows nothing beyond the table', () => {
    const extra: string[] = [];
    for (const state of STATES) {
      for (const event of EVENTS) {
        const expected = ALLOWED.find(([f, e]) => f === state && e === event)?.[2];
        const actual = nextState(state, event);
        if (actual !== expected) extra.push(`${state} --${event}--> ${actual} (expected ${expected})`);
      }
    }
    expect(extra).toEqual([]);
  });

  it('reaches approved only from pending by the last approval, or back from pr_failed by retry', () => {
    const into = STATES.flatMap((from) =>
      EVENTS.filter((event) => nextState(from, event) === 'approved').map((event) => `${from}:${event}`),
    );
    expect(into).toEqual(['pending:approve_last', 'pr_failed:retry']);
  });

  it('leaves no final state except a reopenable abandoned PR', () => {
    for (const state of FINAL_STATES.filter((s) => s !== 'abandoned')) {
      for (const event of EVENTS) expect(nextState(state, event), `${state} --${event}-->`).toBeUndefined();
    }
  });

  it('splits every state into active or final', () => {
    expect([...ACTIVE_STATES, ...FINAL_STATES].sort()).toEqual([...STATES].sort());
    expect(ACTIVE_STATES.filter((s) => FINAL_STATES.includes(s))).toEqual([]);
  });
});

describe('allowedActions', () => {
  const plan = (ok: boolean) => ({ ok }) as RollbackRequest['plan'];
  const actions = (state: RequestState, ok = true) => [...allowedActions({ state, plan: plan(ok) })].sort();

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

describe('newBranchToken', () => {
  it('draws 8 lower-case symbols of the id alphabet from the random bytes', () => {
    expect(newBranchToken(() => new Uint8Array([0, 1, 2, 31, 32, 63, 255, 18]))).toBe('012z0zzj');
    expect(newBranchToken(() => crypto.getRandomValues(new Uint8Array(8)))).toMatch(
      /^[0-9a-hjkmnp-tv-z]{8}$/,
    );
  });
});

describe('newRequestId', () => {
  const FORMAT = /^R-[0-9A-HJKMNP-TV-Z]{4}$/;

  /** A random source that plays back the given values in turn. */
  const playing = (...values: number[]) => {
    let i = 0;
    return () => values[i++ % values.length] as number;
  };

  it('maps the random draws onto Crockford base 32', () => {
    expect(newRequestId(playing(0))).toBe('R-0000');
    expect(newRequestId(playing(0.999_999))).toBe('R-ZZZZ');
    // Symbol 19 is K and 20 is M because I and L are skipped.
    expect(newRequestId(playing(7 / 32, 19 / 32, 20 / 32, 2 / 32))).toBe('R-7KM2');
    expect(newRequestId(playing(10 / 32, 18 / 32, 21 / 32, 27 / 32))).toBe('R-AJNV');
  });

  it('matches the format for every value of a draw', () => {
    for (let k = 0; k < 32; k++) {
      const id = newRequestId(playing((k + 0.5) / 32));
      expect(id).toMatch(FORMAT);
    }
  });

  it('uses all 32 symbols and never I, L, O or U over many draws', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 5000; n++) {
      const id = newRequestId();
      expect(id).toMatch(FORMAT);
      expect(id.slice(2)).not.toMatch(/[ILOU]/);
      for (const c of id.slice(2)) seen.add(c);
    }
    expect(seen.size).toBe(32);
  });
});
