/**
 * The store on both databases it supports: SQLite (embedded default) and a real PostgreSQL server.
 * "Replicas" are two stores opened on one database: every only-once must hold between them.
 */

import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src/adapters/store/migrations.js';
import { openStore, StoreOpenError, safeDatabaseUrl } from '../../src/adapters/store/open.js';
import type { RollbackRequest } from '../../src/domain/request.js';
import type { Store } from '../../src/ports/store.js';
import { DIALECTS, freshDatabaseUrl } from '../support/databases.js';

function sample(id: string, overrides: Partial<RollbackRequest> = {}): RollbackRequest {
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

describe.each(DIALECTS)('store on %s', (dialect) => {
  /**
   * Two replicas' views of one fresh database. On PostgreSQL, two stores with their own pools. SQLite is
   * the one-replica default: a second connection in the same process would block the event loop while
   * it waits for the first one's write lock, so both views are one store there (opening it twice still
   * proves the migrations are idempotent).
   */
  async function replicas(): Promise<[Store, Store]> {
    const url = await freshDatabaseUrl(dialect);
    const a = await openStore(url);
    opened.push(a);
    const b = await openStore(url);
    if (dialect === 'sqlite') {
      await b.close();
      return [a, a];
    }
    opened.push(b);
    return [a, b];
  }

  it('answers a ping and reports its dialect', async () => {
    const [a] = await replicas();
    await a.ping();
    expect(a.dialect).toBe(dialect);
  });

  it('lets one request per service be active, whatever the concurrency or replica', async () => {
    const [a, b] = await replicas();
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).createRequest(sample(`R-00${i}0`))),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.filter((o) => !o.ok && o.problem === 'service_active')).toHaveLength(9);
    const active = await a.findActive('fpo-search');
    expect(active).toBeDefined();
    // Another service is not blocked, and a final state frees the slot.
    expect(await b.createRequest(sample('R-0THR', { service: 'other' }))).toEqual({ ok: true });
    expect(await a.transition(active?.id ?? '', 'cancel')).toBe(true);
    expect(await b.createRequest(sample('R-NEXT'))).toEqual({ ok: true });
    // Inactive rows never conflict: ended requests are kept for the record.
    expect(await a.createRequest(sample('R-REF1', { state: 'refused' }))).toEqual({ ok: true });
  });

  it('tells an id collision apart from an active request', async () => {
    const [a] = await replicas();
    expect(await a.createRequest(sample('R-SAME', { service: 'one' }))).toEqual({ ok: true });
    expect(await a.createRequest(sample('R-SAME', { service: 'two' }))).toEqual({
      ok: false,
      problem: 'id_taken',
    });
  });

  it('counts concurrent approvals one after another and completes exactly once', async () => {
    const [a, b] = await replicas();
    await a.createRequest(sample('R-APPR', { approvalsRequired: 2 }));
    const users = ['UBOB000001', 'UCAROL0001', 'UDAVE00001', 'UERIN00001', 'UFRANK0001', 'UBOB000001'];
    const outcomes = await Promise.all(
      users.map((u, i) => (i % 2 ? a : b).approve('R-APPR', u, new Date(), 2, u.toLowerCase())),
    );
    expect(outcomes.filter((o) => o.kind === 'counted' && o.complete)).toHaveLength(1);
    const request = await a.getRequest('R-APPR');
    expect(request?.state).toBe('approved');
    // Exactly the two that completed it are on record; later clicks are told, not counted.
    expect(request?.approvals).toHaveLength(2);
    expect(request?.approvals[0]?.name).toMatch(/^u/);
    const late = outcomes.filter((o) => o.kind === 'not_pending');
    expect(late.length + 2 + outcomes.filter((o) => o.kind === 'duplicate').length).toBe(users.length);
    for (const o of late) if (o.kind === 'not_pending') expect(o.approvals).toHaveLength(2);
  });

  it('voids approvals with the new plan in one step (plan_changed): a racing click never leaves "approved" with none', async () => {
    const [a, b] = await replicas();
    for (let i = 0; i < 15; i++) {
      const id = `R-V${String(i).padStart(3, '0')}`;
      await a.createRequest(sample(id, { service: `svc-${i}` }));
      await a.approve(id, 'UBOB000001', new Date(), 1);
      const newPlan = { ...sample(id).plan, targetIteration: '1.25.0-9999999' };
      const [voided, click] = await Promise.all([
        a.transition(id, 'plan_changed', { plan: newPlan }),
        b.approve(id, 'UCAROL0001', new Date(), 1),
      ]);
      expect(voided).toBe(true);
      const after = await a.getRequest(id);
      expect(after?.plan.targetIteration).toBe('1.25.0-9999999');
      if (click.kind === 'counted') {
        // The click landed after the void: it counts against the new plan, alone.
        expect(after?.state).toBe('approved');
        expect(after?.approvals.map((x) => x.user)).toEqual(['UCAROL0001']);
      } else {
        expect(click.kind).toBe('not_pending');
        expect(after?.state).toBe('pending');
        expect(after?.approvals).toEqual([]);
      }
    }
    // Only from the states named.
    await a.createRequest(sample('R-VOPN', { service: 'open', state: 'pr_open' }));
    expect(await a.transition('R-VOPN', 'plan_changed', { plan: sample('x').plan })).toBe(false);
  });

  it('keeps the branch and trigger a request was made with, and finds it by its branch', async () => {
    const [a, b] = await replicas();
    const trigger = { kind: 'sns' as const, alarm: 'fpo-5xx', topicArn: 'arn:aws:sns:x', messageId: 'm1' };
    await a.createRequest(
      sample('R-BRAN', { branch: 'rollback/fpo-search-1.25.0-r-bran-x3k9q0ab', trigger }),
    );
    const found = await b.findByBranch('fpo-search', 'rollback/fpo-search-1.25.0-r-bran-x3k9q0ab');
    expect(found?.id).toBe('R-BRAN');
    expect(found?.trigger).toEqual(trigger);
    expect(await b.findByBranch('fpo-search', 'rollback/fpo-search-1.25.0-r-bran')).toBeUndefined();
    expect(await b.findByBranch('other', 'rollback/fpo-search-1.25.0-r-bran-x3k9q0ab')).toBeUndefined();
  });

  it('moves state by compare-and-set only', async () => {
    const [a, b] = await replicas();
    await a.createRequest(sample('R-CAS1', { state: 'approved' }));
    const moves = await Promise.all([
      a.transition('R-CAS1', 'pr_failed'),
      b.transition('R-CAS1', 'pr_failed'),
    ]);
    expect(moves.filter(Boolean)).toHaveLength(1);
    // Only the lifecycle's moves from the state it is in: a merge of a request without a PR is none.
    expect(await a.transition('R-CAS1', 'merged')).toBe(false);
    expect((await b.getRequest('R-CAS1'))?.state).toBe('pr_failed');
    const pr = { number: 7, url: 'https://x/7', branch: 'rollback/x', openedAt: new Date() };
    expect(await a.setPrIfUnset('R-CAS1', pr)).toBe(true);
    expect(await b.setPrIfUnset('R-CAS1', { ...pr, number: 8 })).toBe(false);
    expect((await b.getRequest('R-CAS1'))?.pr?.number).toBe(7);
  });

  it('sends a card update only when its content changed', async () => {
    const [a, b] = await replicas();
    await a.createRequest(sample('R-HASH'));
    expect(await a.setCardHash('R-HASH', 'h1')).toBe(true);
    expect(await b.setCardHash('R-HASH', 'h1')).toBe(false);
    expect(await b.setCardHash('R-HASH', 'h2')).toBe(true);
    // A failed update forgets the hash, so the next refresh sends it again.
    expect(await a.setCardHash('R-HASH', null)).toBe(true);
    expect(await a.setCardHash('R-HASH', 'h2')).toBe(true);
  });

  it('finds active requests whose card was never posted', async () => {
    const [a] = await replicas();
    const old = new Date(Date.now() - 120_000);
    await a.createRequest(sample('R-CARD', { createdAt: old }));
    await a.createRequest(sample('R-DONE', { service: 'b', createdAt: old, cardTs: '1.2' }));
    await a.createRequest(sample('R-NEWW', { service: 'c' }));
    const found = await a.cardsDue(new Date(Date.now() - 60_000));
    expect(found.map((d) => [d.request.id, d.attempts])).toEqual([['R-CARD', 0]]);
  });

  it('gives a lease to one replica at a time; release and expiry hand it over', async () => {
    const [a, b] = await replicas();
    expect(await a.acquireLease('background', 'replica-a', 60_000)).toBe(true);
    expect(await b.acquireLease('background', 'replica-b', 60_000)).toBe(false);
    expect(await a.acquireLease('background', 'replica-a', 60_000)).toBe(true); // renewal
    expect((await b.leaseInfo('background'))?.holder).toBe('replica-a');
    await a.releaseLease('background', 'replica-a');
    expect(await b.acquireLease('background', 'replica-b', 300)).toBe(true);
    expect(await a.acquireLease('background', 'replica-a', 60_000)).toBe(false);
    await new Promise((r) => setTimeout(r, 450));
    expect(await a.acquireLease('background', 'replica-a', 60_000)).toBe(true);
    await a.markRound('background', 'replica-a');
    const info = await b.leaseInfo('background');
    expect(info?.expiresInMs).toBeGreaterThan(50_000);
    expect(info?.lastRoundAgoMs).toBeGreaterThanOrEqual(0);
    expect(info?.lastRoundAgoMs).toBeLessThan(5_000);
  });

  it('races for a free lease have one winner', async () => {
    const [a, b] = await replicas();
    const wins = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).acquireLease('open-pr:R-1', `h${i}`, 60_000)),
    );
    expect(wins.filter(Boolean)).toHaveLength(1);
  });

  it('keeps milestones as an outbox: claimed once, reposted once if never marked posted', async () => {
    const [a, b] = await replicas();
    const notice = { kind: 'merged', number: 3 };
    const claims = await Promise.all([
      a.claimMilestone('R-1', 'merged', notice),
      b.claimMilestone('R-1', 'merged', notice),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    await a.claimMilestone('R-1', 'pr_opened', { kind: 'pr_opened' });
    await a.markMilestonePosted('R-1', 'pr_opened');
    await new Promise((r) => setTimeout(r, 5));
    const unposted = await b.unpostedMilestones(new Date());
    expect(unposted.map((m) => m.key)).toEqual(['merged']);
    expect(unposted[0]?.notice).toEqual(notice);
    const m = unposted[0];
    if (!m) throw new Error('no milestone');
    const retakes = await Promise.all([a.reclaimMilestone(m), b.reclaimMilestone(m)]);
    expect(retakes.filter(Boolean)).toHaveLength(1);
    await a.markMilestonePosted('R-1', 'merged');
    expect(await b.unpostedMilestones(new Date(Date.now() + 1000))).toEqual([]);
  });

  it('claims a delivery id once and prunes old ones', async () => {
    const [a, b] = await replicas();
    expect(await a.claimMessage('sns:1')).toBe(true);
    expect(await b.claimMessage('sns:1')).toBe(false);
    await b.releaseMessage('sns:1');
    expect(await b.claimMessage('sns:1')).toBe(true);
    const longAgo = new Date(Date.now() - 60_000);
    expect(await a.prune({ deliveries: longAgo, audit: longAgo })).toBe(0);
    expect(await a.prune({ deliveries: new Date(Date.now() + 1000), audit: longAgo })).toBeGreaterThanOrEqual(
      1,
    );
    expect(await a.claimMessage('sns:1')).toBe(true);
  });

  it('prunes refusals (of requests and unpins) and Home tab openers past the audit retention', async () => {
    const [a] = await replicas();
    const old = new Date(Date.now() - 3_600_000);
    await a.recordEvent({
      service: 's1',
      kind: 'refused',
      actor: 'U1',
      at: old,
      detail: { refusal: 'guest' },
    });
    await a.recordEvent({ service: 's1', kind: 'unpin_refused', actor: 'U2', at: old, detail: {} });
    await a.recordEvent({ service: 's1', kind: 'requested', actor: 'U3', at: old, detail: {} });
    await a.homeOpened('U4', old);
    await a.homeOpened('U5', new Date());
    const cutoff = new Date(Date.now() - 60_000);
    expect(await a.prune({ deliveries: cutoff, audit: cutoff })).toBeGreaterThanOrEqual(3);
    expect((await a.auditTrail('s1', 10)).map((e) => e.kind)).toEqual(['requested']);
    expect(await a.homeOpeners(new Date(0))).toEqual(['U5']);
  });

  it('starts an alarm episode on one replica only', async () => {
    const [a, b] = await replicas();
    const thread = {
      key: 'alarm:x',
      service: 'fpo-search',
      channel: 'CALERTS001',
      threadTs: '',
      state: 'ALARM',
      alarm: { name: 'x', state: 'ALARM', reason: 'r', at: new Date() },
      updatedAt: new Date(),
      version: 0,
    };
    const first = await Promise.all([a.claimAlertEpisode(thread), b.claimAlertEpisode(thread)]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const stored = await a.alertThread('alarm:x');
    expect(stored?.version).toBe(1);
    expect(stored?.alarm.at).toBeInstanceOf(Date);
    await a.saveAlertThread({ ...thread, threadTs: '1.1', cardTs: '1.1', version: 1 });
    const next = await Promise.all([
      a.claimAlertEpisode({ ...thread, threadTs: '' }, 2),
      b.claimAlertEpisode({ ...thread, threadTs: '' }, 2),
    ]);
    expect(next.filter(Boolean)).toHaveLength(1);
    expect((await b.alertThread('alarm:x'))?.version).toBe(3);
  });

  it('keeps the audit trail with actor names, oldest first', async () => {
    const [a] = await replicas();
    await a.recordEvent({ service: 's1', kind: 'requested', actor: 'U1', actorName: 'alice' });
    await a.recordEvent({ service: 's2', kind: 'refused', actor: 'U2', detail: { why: 'x' } });
    await a.recordEvent({ service: 's1', kind: 'approved', actor: 'U3', actorName: 'bob' });
    expect((await a.auditTrail('s1', 10)).map((e) => [e.kind, e.actorName])).toEqual([
      ['requested', 'alice'],
      ['approved', 'bob'],
    ]);
    expect((await a.auditTrail(undefined, 2)).map((e) => e.kind)).toEqual(['refused', 'approved']);
    await a.createRequest(sample('R-CNT1'));
    await a.createRequest(sample('R-CNT2', { state: 'completed' }));
    expect(await a.countByState()).toEqual({ pending: 1, completed: 1 });
  });
});

describe('opening a store', () => {
  it('names the URL and the cause when PostgreSQL is not there, without the password', async () => {
    const err = await openStore('postgres://bot:s3cret@127.0.0.1:9/rollbacks', {
      connectTimeoutMs: 2000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreOpenError);
    expect((err as Error).message).toBe(
      'DATABASE_URL postgres://bot:***@127.0.0.1:9/rollbacks: connection refused: is PostgreSQL running and listening on that host and port?',
    );
    expect(safeDatabaseUrl('postgresql://u:p@h/db')).toBe('postgresql://u:***@h/db');
  });

  it.each([
    [
      'a password with an "@" in it',
      'postgres://bot:hunter2@ss@127.0.0.1:9/rollbacks',
      'postgres://bot:***@127.0.0.1:9/rollbacks',
    ],
    [
      'a password parameter',
      'postgres://bot@127.0.0.1:9/rollbacks?password=hunter2ss',
      'postgres://bot@127.0.0.1:9/rollbacks?password=***',
    ],
    [
      'a password with a "/" in it',
      'postgres://bot:hun/ter2ss@127.0.0.1:9/rollbacks',
      'postgres://bot:***@127.0.0.1:9/rollbacks',
    ],
  ])('shows none of %s when the store cannot be opened', async (_what, url, shown) => {
    const err = await openStore(url, { connectTimeoutMs: 2000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreOpenError);
    const message = (err as Error).message;
    expect(message.startsWith(`DATABASE_URL ${shown}: `)).toBe(true);
    for (const part of ['hunter2', 'ter2ss', 'ss@', 'hun/']) expect(message).not.toContain(part);
  });

  it('opened without migrating, creates nothing and refuses a database with no schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollback-bot-'));
    const missing = await openStore(`sqlite:${join(dir, 'none.db')}`, { migrate: false }).catch(
      (e: unknown) => e,
    );
    expect((missing as Error).message).toMatch(
      /cannot open .*none\.db \(SQLITE_CANTOPEN\); set DATABASE_URL to the bot's database$/,
    );
    expect(existsSync(join(dir, 'none.db'))).toBe(false);
    const empty = join(dir, 'empty.db');
    new SQLite(empty).close();
    const refused = await openStore(`sqlite:${empty}`, { migrate: false }).catch((e: unknown) => e);
    expect((refused as Error).message).toBe(
      `DATABASE_URL sqlite:${empty}: the database has no rollback-bot schema yet (no migration has run): start the bot once to create it, or set DATABASE_URL to the bot's database`,
    );
    const current = await openStore(`sqlite:${join(dir, 'current.db')}`);
    await current.close();
    const reader = await openStore(`sqlite:${join(dir, 'current.db')}`, { migrate: false });
    expect(await reader.auditTrail(undefined, 1)).toEqual([]);
    await reader.close();
  });

  it('names the file when the SQLite directory cannot be written', async () => {
    // A path under a regular file: no user, root included, can create that directory.
    const file = join(mkdtempSync(join(tmpdir(), 'rollback-bot-')), 'a-file');
    writeFileSync(file, '');
    const err = await openStore(`sqlite:${file}/data/x.db`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreOpenError);
    expect((err as Error).message).toBe(
      `DATABASE_URL sqlite:${file}/data/x.db: cannot open ${file}/data/x.db (ENOTDIR); point it at a writable file, e.g. sqlite:./data/rollback-bot.db`,
    );
  });

  it('upgrades a database that had several active requests for one service to exactly one', async () => {
    const sqlite = new SQLite(':memory:');
    const db = new Kysely<Record<string, never>>({ dialect: new SqliteDialect({ database: sqlite }) });
    const migrator = new Migrator({ db, provider: migrationProvider('sqlite') });
    expect((await migrator.migrateTo('002_tracking_and_alerts')).error).toBeUndefined();
    const insert = sqlite.prepare(
      `insert into requests (id, service, state, requester, reason, note, force, plan, approvals_required,
        created_at, expires_at, updated_at, channel) values (?, 'svc', ?, 'U', 'MANUAL_REQUEST', '', 0, '{}', 1,
        ?, ?, ?, 'C')`,
    );
    insert.run('R-OLD1', 'pr_open', '2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', '2026-01-01T00:00:00Z');
    insert.run('R-NEW1', 'pending', '2026-01-02T00:00:00Z', '2026-01-02T01:00:00Z', '2026-01-02T00:00:00Z');
    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    const states = sqlite.prepare('select id, state from requests order by id').all();
    expect(states).toEqual([
      { id: 'R-NEW1', state: 'cancelled' },
      { id: 'R-OLD1', state: 'pr_open' },
    ]);
    await db.destroy();
  });
});
