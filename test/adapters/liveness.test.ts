/**
 * Liveness in the store, on both databases: claims name their holder, holders write heartbeats, and a
 * claim is taken over once its holder's heartbeat lapsed, never while it is renewed. Two stores on one
 * PostgreSQL database stand for two replicas (on SQLite one store plays both, as in store.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/adapters/store/open.js';
import type { RollbackRequest } from '../../src/domain/request.js';
import { ServiceBusyError, type Store } from '../../src/ports/store.js';
import { DIALECTS, freshDatabaseUrl } from '../support/databases.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function request(id: string, overrides: Partial<RollbackRequest> = {}): RollbackRequest {
  const now = new Date();
  return {
    id,
    service: 'fpo-search',
    state: 'pending',
    requester: 'UALICE0001',
    reason: 'MANUAL_REQUEST',
    note: '',
    force: false,
    plan: {
      targetVersion: '1.25.0',
      targetIteration: '1.25.0-2f3a4b5',
      configuredVersion: '1.25.3',
      branch: 'main',
      configPath: 'search-config.toml',
      blobSha: 'abc',
      configText: 'version = "1.25.3"\n',
      from: [],
      checks: [],
      ok: true,
      forced: false,
      madeAt: now.toISOString(),
    },
    approvalsRequired: 1,
    approvals: [],
    createdAt: now,
    expiresAt: new Date(now.getTime() + 3_600_000),
    updatedAt: now,
    channel: 'CROLLBACK1',
    ...overrides,
  };
}

const opened: Store[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

describe.each(DIALECTS)('liveness on %s', (dialect) => {
  async function replicas(): Promise<[Store, Store]> {
    const url = await freshDatabaseUrl(dialect);
    const a = await openStore(url);
    opened.push(a);
    if (dialect === 'sqlite') return [a, a];
    const b = await openStore(url);
    opened.push(b);
    return [a, b];
  }

  it('takes over a lease whose holder stopped beating, long before the lease expires', async () => {
    const [a, b] = await replicas();
    await a.heartbeat('replica-a', 400);
    expect(await a.acquireLease('open-pr:R-1', 'replica-a', 120_000)).toBe(true);
    expect(await b.acquireLease('open-pr:R-1', 'replica-b', 120_000)).toBe(false);
    await sleep(550);
    expect(await b.acquireLease('open-pr:R-1', 'replica-b', 120_000)).toBe(true);
    expect((await a.leaseInfo('open-pr:R-1'))?.holder).toBe('replica-b');
    // The old holder coming back finds its claim gone.
    await a.heartbeat('replica-a', 400);
    expect(await a.acquireLease('open-pr:R-1', 'replica-a', 120_000)).toBe(false);
  });

  it('never takes a claim from a holder that keeps beating, whatever its age', async () => {
    const [a, b] = await replicas();
    await a.heartbeat('replica-a', 300);
    expect(await a.acquireLease('background', 'replica-a', 60_000)).toBe(true);
    await a.claimMilestone('R-1', 'merged', { kind: 'merged' }, 'replica-a');
    await a.createRequest(request('R-LIVE'), 'replica-a');
    const tries: boolean[] = [];
    for (let i = 0; i < 12; i++) {
      await a.heartbeat('replica-a', 300);
      tries.push(await b.acquireLease('background', 'replica-b', 60_000));
      expect(await b.unpostedMilestones(new Date(Date.now() - 60_000))).toEqual([]);
      expect(await b.cardsDue(new Date(Date.now() - 60_000))).toEqual([]);
      await sleep(100);
    }
    expect(tries.every((t) => t === false)).toBe(true);
  });

  it('leaves the claims of a holder without any heartbeat (an older version) to their expiry', async () => {
    const [a, b] = await replicas();
    expect(await a.acquireLease('open-pr:R-2', 'old-version', 300)).toBe(true);
    expect(await b.acquireLease('open-pr:R-2', 'replica-b', 60_000)).toBe(false);
    await sleep(400);
    expect(await b.acquireLease('open-pr:R-2', 'replica-b', 60_000)).toBe(true);
  });

  it('frees what a replica holds the moment it retires (a clean stop)', async () => {
    const [a, b] = await replicas();
    await a.heartbeat('replica-a', 60_000);
    expect(await a.acquireLease('background', 'replica-a', 60_000)).toBe(true);
    await a.retire('replica-a');
    expect(await b.acquireLease('background', 'replica-b', 60_000)).toBe(true);
  });

  it('makes a dead sender’s thread post due at once, and a live sender’s only after the grace', async () => {
    const [a, b] = await replicas();
    await a.heartbeat('replica-a', 300);
    await a.heartbeat('replica-c', 60_000);
    await a.claimMilestone('R-1', 'merged', { kind: 'merged', number: 3 }, 'replica-a');
    await a.claimMilestone('R-2', 'merged', { kind: 'merged', number: 4 }, 'replica-c');
    const grace = () => new Date(Date.now() - 60_000);
    expect(await b.unpostedMilestones(grace())).toEqual([]);
    await sleep(400);
    const due = await b.unpostedMilestones(grace());
    expect(due.map((m) => [m.requestId, m.attempts])).toEqual([['R-1', 1]]);
    const m = due[0];
    if (!m) throw new Error('no milestone due');
    // One taker; the attempt count is its compare-and-set token.
    const takes = await Promise.all([a.reclaimMilestone(m, 'replica-b'), b.reclaimMilestone(m, 'replica-d')]);
    expect(takes.filter(Boolean)).toHaveLength(1);
    // The new sender is alive (or has no heartbeat): not due again before the grace.
    expect(await b.unpostedMilestones(grace())).toEqual([]);
    // Past the grace, the live sender's post is due too.
    const later = await b.unpostedMilestones(new Date(Date.now() + 1000));
    expect(later.map((x) => [x.requestId, x.attempts]).sort()).toEqual([
      ['R-1', 2],
      ['R-2', 1],
    ]);
  });

  it('counts failed sends, makes them due at their retry time, and never again once given up', async () => {
    const [a, b] = await replicas();
    await a.heartbeat('replica-a', 60_000);
    await a.claimMilestone('R-1', 'cancelled', { kind: 'cancelled' }, 'replica-a');
    const grace = () => new Date(Date.now() - 60_000);
    expect(
      await a.milestoneFailed('R-1', 'cancelled', { attempt: 1, error: 'http 500', retryInMs: 300 }),
    ).toBe(true);
    expect(await b.unpostedMilestones(grace())).toEqual([]);
    await sleep(400);
    const [due] = await b.unpostedMilestones(grace());
    expect(due).toMatchObject({ requestId: 'R-1', attempts: 1, lastError: 'http 500' });
    if (!due) throw new Error('not due');
    expect(await b.reclaimMilestone(due, 'replica-a')).toBe(true);
    // A stale report of attempt 1 is ignored: attempt 2 is the one in flight.
    expect(await a.milestoneFailed('R-1', 'cancelled', { attempt: 1, error: 'late', retryInMs: 0 })).toBe(
      false,
    );
    expect(await a.milestoneFailed('R-1', 'cancelled', { attempt: 2, error: 'channel_not_found' })).toBe(
      true,
    );
    await sleep(50);
    expect(await b.unpostedMilestones(new Date(Date.now() + 3_600_000))).toEqual([]);
    expect(await b.hasMilestone('R-1', 'cancelled')).toBe(true);
    expect(await b.hasMilestone('R-1', 'merged')).toBe(false);
  });

  it('makes a card due when the replica that stored the request died before posting it', async () => {
    const [a, b] = await replicas();
    await a.heartbeat('replica-a', 300);
    expect(await a.createRequest(request('R-DEAD'), 'replica-a')).toEqual({ ok: true });
    const grace = () => new Date(Date.now() - 60_000);
    expect(await b.cardsDue(grace())).toEqual([]);
    await sleep(400);
    expect((await b.cardsDue(grace())).map((d) => d.request.id)).toEqual(['R-DEAD']);
    // A failed repair waits for its retry time; a given-up card is never due again.
    expect(await b.cardFailed('R-DEAD', { attempt: 1, error: 'http 500', retryInMs: 60_000 })).toBe(true);
    expect(await b.cardsDue(grace())).toEqual([]);
    expect(await b.cardFailed('R-DEAD', { attempt: 1, error: 'again' })).toBe(false); // not the latest
    expect(await b.cardFailed('R-DEAD', { attempt: 2, error: 'not_in_channel' })).toBe(true);
    expect(await b.cardsDue(new Date(Date.now() + 3_600_000))).toEqual([]);
  });

  it('refuses to make a second request of a service active, naming the active one', async () => {
    const [a] = await replicas();
    await a.createRequest(request('R-OLD1', { state: 'abandoned' }));
    await a.createRequest(request('R-NOW1'));
    const err = await a.transition('R-OLD1', 'reopened').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceBusyError);
    expect(err).toMatchObject({ service: 'fpo-search', activeId: 'R-NOW1' });
    expect((await a.getRequest('R-OLD1'))?.state).toBe('abandoned');
  });

  it('follows abandoned requests only for a while after their PR was closed', async () => {
    const [a] = await replicas();
    await a.createRequest(request('R-OPEN', { service: 's1', state: 'pr_open' }));
    await a.createRequest(request('R-RCNT', { service: 's2', state: 'abandoned' }));
    await a.createRequest(request('R-LONG', { service: 's3', state: 'abandoned' }));
    await a.update('R-RCNT', { prClosedAt: new Date(Date.now() - 10 * 60_000) });
    await a.update('R-LONG', { prClosedAt: new Date(Date.now() - 60 * 60_000) });
    const tracked = await a.tracked(new Date(Date.now() - 45 * 60_000));
    expect(tracked.map((r) => r.id).sort()).toEqual(['R-OPEN', 'R-RCNT']);
  });

  it('prunes refusals, dry runs and alert threads after the audit retention, nothing else', async () => {
    const [a] = await replicas();
    const old = new Date(Date.now() - 100 * 86_400_000);
    await a.recordEvent({ service: 's', kind: 'refused', at: old });
    await a.recordEvent({ service: 's', kind: 'dry_run', at: old });
    await a.recordEvent({ service: 's', kind: 'refused' });
    await a.recordEvent({ service: 's', kind: 'requested', requestId: 'R-1', at: old });
    await a.recordEvent({ service: 's', kind: 'refused', requestId: 'R-1', at: old });
    const thread = (key: string, updatedAt: Date) => ({
      key,
      service: 's',
      channel: 'CALERTS001',
      threadTs: '1.1',
      state: 'OK',
      alarm: { name: key, state: 'OK', reason: 'r', at: updatedAt },
      updatedAt,
      version: 0,
    });
    await a.claimAlertEpisode(thread('alarm:old', old));
    await a.claimAlertEpisode(thread('alarm:new', new Date()));
    const pruned = await a.prune({
      deliveries: new Date(Date.now() - 3 * 86_400_000),
      audit: new Date(Date.now() - 90 * 86_400_000),
    });
    expect(pruned).toBe(3);
    expect((await a.auditTrail('s', 10)).map((e) => [e.kind, e.requestId ?? null])).toEqual([
      ['refused', null],
      ['requested', 'R-1'],
      ['refused', 'R-1'],
    ]);
    expect(await a.alertThread('alarm:old')).toBeUndefined();
    expect(await a.alertThread('alarm:new')).toBeDefined();
  });
});
