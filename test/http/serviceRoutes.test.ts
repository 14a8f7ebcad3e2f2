/**
 * What a platform team's probes and scrapers see: /healthz, /readyz (honest about what this replica
 * can do) and /metrics (Prometheus text), and what a drain does to them.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { closedPortUrl } from '../../world/ports.js';
import { sendSlashCommand } from '../../world/slack/requests.js';
import { freshPostgresUrl } from '../support/databases.js';
import { CHANNEL, type Harness, SIGNING_SECRET, USERS, untilReady, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { postedCard, pulls, settle, until } from '../workflows/support.js';

const start = useHarness();

interface Check {
  name: string;
  ok: boolean;
  required: boolean;
  detail?: string;
}

async function readyz(
  h: Harness,
): Promise<{ status: number; body: { ok: boolean; draining?: boolean; checks: Check[] } }> {
  const res = await fetch(`${h.url}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as { ok: boolean; draining?: boolean; checks: Check[] },
  };
}
const check = (checks: Check[], name: string) => checks.find((c) => c.name === name);

describe('/readyz', () => {
  it('stays unready with the reason while Slack refuses the token; /healthz is still 200', async () => {
    const hh = await start({ slackToken: 'xoxb-placeholder', skipReady: true });
    await until(async () => check((await readyz(hh)).body.checks, 'slack')?.detail !== 'not checked yet');
    const { status, body } = await readyz(hh);
    expect(status).toBe(503);
    expect(check(body.checks, 'slack')).toEqual({
      name: 'slack',
      required: true,
      ok: false,
      detail: "Slack refused SLACK_BOT_TOKEN (invalid_auth): use the app's Bot User OAuth Token",
    });
    expect((await fetch(`${hh.url}/healthz`)).status).toBe(200);
  });

  it('stays ready when GitHub and S3 are down, and says so', async () => {
    const hh = await start({ githubUrl: 'http://github.invalid', s3Endpoint: await closedPortUrl() });
    const { status, body } = await readyz(hh);
    expect(status).toBe(200);
    expect(check(body.checks, 'github')).toMatchObject({ ok: false, required: false });
    expect(check(body.checks, 'github')?.detail).toContain('does not resolve (DNS, ENOTFOUND)');
    expect(check(body.checks, 's3')).toMatchObject({ ok: false, required: false });
    expect(check(body.checks, 's3')?.detail).toContain('connection refused');
    expect(check(body.checks, 'store')).toMatchObject({ ok: true, detail: 'sqlite' });
  });

  it('turns unready when the database stops answering', async () => {
    const url = await freshPostgresUrl();
    const hh = await start({ databaseUrl: url });
    expect((await readyz(hh)).status).toBe(200);
    expect(check((await readyz(hh)).body.checks, 'store')).toMatchObject({ ok: true, detail: 'postgres' });
    // Cut the bot's connections and forbid new ones, as a failed-over or unreachable database would.
    const name = url.split('/').pop();
    const admin = new pg.Client({ connectionString: url.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    try {
      await admin.query(`alter database ${name} allow_connections false`);
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`);
      const { status, body } = await readyz(hh);
      expect(status).toBe(503);
      expect(check(body.checks, 'store')).toMatchObject({ ok: false, required: true });
    } finally {
      await admin.query(`alter database ${name} allow_connections true`);
      await admin.end();
    }
  });
});

describe('/metrics', () => {
  it('serves Prometheus text: requests, rollbacks by state, durations, outside calls, lease and lag', async () => {
    const hh = await start();
    await hh.command('to previous');
    const id = await postedCard(hh);
    await hh.command('nonsense');
    await hh.click(ACTIONS.approve, id, USERS.mallory);
    await hh.click(ACTIONS.approve, id, USERS.bob);
    await hh.slack.waitFor(() => pulls(hh).length > 0);
    await settle(hh);
    await hh.bot.runRound();
    const res = await fetch(`${hh.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const value = (pattern: string) => Number(new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('rollback_bot_slack_requests_total\\{kind="command",name="to",outcome="ok"\\}')).toBe(1);
    expect(
      value('rollback_bot_slack_requests_total\\{kind="command",name="other",outcome="usage_error"\\}'),
    ).toBe(1);
    expect(
      value('rollback_bot_slack_requests_total\\{kind="action",name="rollback_approve",outcome="denied"\\}'),
    ).toBe(1);
    expect(
      value('rollback_bot_slack_requests_total\\{kind="action",name="rollback_approve",outcome="ok"\\}'),
    ).toBe(1);
    expect(value('rollback_bot_rollbacks\\{state="pr_open"\\}')).toBe(1);
    expect(value('rollback_bot_rollbacks\\{state="completed"\\}')).toBe(0);
    expect(value('rollback_bot_request_to_pr_seconds_count')).toBe(1);
    expect(
      value('rollback_bot_outside_call_duration_seconds_count\\{system="github",outcome="ok"\\}'),
    ).toBeGreaterThan(3);
    expect(
      value('rollback_bot_outside_call_duration_seconds_count\\{system="slack",outcome="ok"\\}'),
    ).toBeGreaterThan(3);
    expect(
      value('rollback_bot_outside_call_duration_seconds_count\\{system="s3",outcome="ok"\\}'),
    ).toBeGreaterThan(0);
    expect(
      value('rollback_bot_outside_call_duration_seconds_count\\{system="healthcheck",outcome="ok"\\}'),
    ).toBeGreaterThan(0);
    expect(value('rollback_bot_github_rate_limit_remaining')).toBe(4999);
    expect(value('rollback_bot_lease_held')).toBe(1);
    expect(text).toMatch(new RegExp(`^rollback_bot_lease_holder\\{holder="${hh.bot.replicaId}"\\} 1$`, 'm'));
    expect(value('rollback_bot_tracking_lag_seconds')).toBeLessThan(5);
    expect(value('rollback_bot_ready')).toBe(1);
    expect(text).toContain('rollback_bot_process_cpu_seconds_total');
  });
});

describe('drain', () => {
  it('turns /readyz 503 at once, finishes an acknowledged command, releases the lease', async () => {
    const hh = await start();
    hh.health.set('production', {
      body: { git_sha1: '9e8d7c6', model_version: '1.25.3-3a4b5c6', healthy: true },
      delayMs: 700,
    });
    const responseUrl = hh.slack.responseUrl('drain');
    const ack = await sendSlashCommand(hh.url, SIGNING_SECRET, {
      text: 'status',
      user_id: USERS.alice,
      channel_id: CHANNEL,
      response_url: responseUrl,
    });
    expect(ack.status).toBe(200);
    expect((await hh.store.leaseInfo('background'))?.holder).toBe(hh.bot.replicaId);
    const stopped = hh.bot.stop({ drainDelayMs: 300 });
    const during = await readyz(hh);
    expect(during.status).toBe(503);
    expect(during.body.draining).toBe(true);
    expect(hh.bot.inFlightCount()).toBeGreaterThan(0);
    await stopped;
    expect(textOf(hh.slack.responsesTo('drain')[0]?.body)).toContain('fpo-search: status');
    expect((await hh.store.leaseInfo('background'))?.expiresInMs).toBeLessThanOrEqual(0);
    await expect(fetch(`${hh.url}/readyz`)).rejects.toThrow();
    await hh.restart(); // a fresh replica takes the lease at once
    await untilReady(hh.url);
    expect((await hh.store.leaseInfo('background'))?.holder).toBe(hh.bot.replicaId);
  });
});
