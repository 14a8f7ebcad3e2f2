import { describe, expect, it } from 'vitest';
import { endsRequest } from '../../src/domain/lifecycle.js';
import type { Plan } from '../../src/domain/plan.js';
import type { RollbackRequest } from '../../src/domain/request.js';
import { buildReport, buildTimeline, formatDuration, type TimelineEvent } from '../../src/domain/timeline.js';

const t0 = new Date('2026-03-04T10:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);
const plan = {
  from: [{ environment: 'production', modelVersion: '1.25.3-3a4b5c6' }],
  targetVersion: '1.25.0',
  targetIteration: '1.25.0-293a4b5',
} as unknown as Plan;

function request(overrides: Partial<RollbackRequest> = {}): RollbackRequest {
  return {
    id: 'R-7KQ2',
    service: 'fpo-search',
    state: 'completed',
    requester: 'UALICE0001',
    reason: 'PERFORMANCE_DEGRADATION',
    note: '',
    force: false,
    plan,
    approvalsRequired: 1,
    approvals: [],
    createdAt: at(0),
    expiresAt: at(3600),
    updatedAt: at(600),
    channel: 'CROLLBACK1',
    cardTs: '1700000000.000100',
    ...overrides,
  };
}

const event = (
  s: number,
  kind: string,
  detail: Record<string, unknown> = {},
  actor?: string,
): TimelineEvent => ({
  at: at(s),
  kind,
  detail,
  ...(actor ? { actor } : {}),
});

describe('the timeline of a request', () => {
  it('orders the steps as they happened and names both times to restore and the time to decide', () => {
    const r = request({
      alarm: { name: 'fpo-5xx', state: 'ALARM', reason: 'x', at: at(-600) },
      progress: {
        envs: {
          production: { since: at(200).toISOString(), consecutive: 2, verifiedAt: at(400).toISOString() },
        },
      },
    });
    const t = buildTimeline(r, [
      event(0, 'requested', {}, 'UALICE0001'),
      event(60, 'approved', { complete: true }, 'UBOB000001'),
      event(60, 'approvals_void'),
      event(90, 'approved', { complete: true }, 'UCAROL0001'),
      event(91, 'pr_opened'),
      event(200, 'merged', {}, 'bob'),
      event(400, 'verified'),
      event(401, 'card_repaired'),
    ]);
    expect(t.steps.map((s) => [s.step, s.since_previous_seconds])).toEqual([
      ['alarm_fired', undefined],
      ['requested', 600],
      ['approval', 60],
      ['approvals_void', 0],
      ['approval', 30],
      ['pr_opened', 1],
      ['merged', 109],
      ['serving', 200],
      ['verified', 0],
    ]);
    expect(t.time_to_restore_seconds).toEqual({ from_alarm: 1000, from_request: 400 });
    // The approval that completed the approvals of the plan that went ahead.
    expect(t.time_to_decide_seconds).toBe(90);
    expect(t.links.thread).toBe('https://slack.com/archives/CROLLBACK1/p1700000000000100');
    expect(t).toMatchObject({ from: '1.25.3-3a4b5c6', to: '1.25.0-293a4b5', outcome: 'completed' });
  });

  it('a request that restored nothing has no time to restore, and no decision without a completing approval', () => {
    const t = buildTimeline(request({ state: 'expired' }), [event(0, 'requested'), event(3600, 'expired')]);
    expect(t.steps.map((s) => s.step)).toEqual(['requested', 'expired']);
    expect(t.time_to_restore_seconds).toEqual({ from_alarm: null, from_request: null });
    expect(t.time_to_decide_seconds).toBeNull();
  });

  it('the report carries the pin and the preserved version only when recorded, and the next steps', () => {
    const events = [event(0, 'requested'), event(400, 'verified')];
    expect(buildReport(request(), events)).not.toHaveProperty('pin');
    const report = buildReport(request(), [
      ...events,
      // What the mark in the bucket and the pin record (workflows/markRolledBack.ts, workflows/pin.ts).
      event(401, 'rolled_back_marked', {
        bucket: 'keep',
        key: '1.25.3-3a4b5c6/rolled_back',
        iteration: '1.25.3-3a4b5c6',
      }),
      event(402, 'pinned', { version: '1.25.0-293a4b5', until: '2026-03-11' }, 'UBOB000001'),
    ]);
    expect(report.preserved).toEqual({
      version: '1.25.3-3a4b5c6',
      where: 's3://keep/1.25.3-3a4b5c6/rolled_back',
    });
    // A registry's preserved version is the one the alias moved from (tagged, never deleted).
    const tagged = buildReport(request(), [
      ...events,
      event(401, 'alias_moved', { model: 'reco', from: '12', to: '10' }),
    ]);
    expect(tagged.preserved).toEqual({
      version: '12',
      where: 'MLflow reco: version tags rollback_bot.rolled_back*',
    });
    expect(report.pin).toMatchObject({ version: '1.25.0-293a4b5', by: 'UBOB000001', until: '2026-03-11' });
    expect(report.next_steps.length).toBeGreaterThan(0);
  });

  it('an abandoned request has not ended (its PR may be reopened); the other final states have', () => {
    expect(endsRequest('abandoned')).toBe(false);
    expect(endsRequest('completed')).toBe(true);
    expect(endsRequest('expired')).toBe(true);
    expect(endsRequest('pr_open')).toBe(false);
  });

  it('formats durations as people read them', () => {
    expect([45, 60, 150, 3600, 3960].map(formatDuration)).toEqual([
      '45 s',
      '1 min',
      '2 min 30 s',
      '1 h 00 min',
      '1 h 06 min',
    ]);
  });
});
