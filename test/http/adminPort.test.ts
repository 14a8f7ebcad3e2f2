/**
 * Issue 14, finding 15: /readyz details and /metrics name the workspace, the bucket and the rate-limit
 * state, and cost database queries. With an admin port they are served there only; the public port keeps
 * /healthz and a bare /readyz. Database-backed gauges are kept a few seconds, so a scrape storm costs the
 * database one query, and concurrent readiness probes share one ping.
 */
import { describe, expect, it, vi } from 'vitest';
import { type Harness, useHarness } from '../support/harness.js';
import { postedCard, settle } from '../workflows/support.js';

const start = useHarness();

const get = async (url: string) => {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
};
const adminUrl = (h: Harness) => {
  if (!h.adminUrl) throw new Error('the bot did not start an admin listener');
  return h.adminUrl;
};

describe('the admin port (ADMIN_PORT)', () => {
  it('serves /metrics and the detailed /readyz; the public port only /healthz and a bare /readyz', async () => {
    const hh = await start({ admin: true });
    const admin = adminUrl(hh);
    expect(admin).not.toBe(hh.url);

    expect((await get(`${hh.url}/metrics`)).status).toBe(404);
    const metrics = await get(`${admin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^rollback_bot_ready 1$/m);
    expect(metrics.text).toMatch(/^rollback_bot_rollbacks\{state="pending"\} 0$/m);

    const bare = await get(`${hh.url}/readyz`);
    expect(bare.status).toBe(200);
    expect(JSON.parse(bare.text)).toEqual({ ok: true });
    const detailed = await get(`${admin}/readyz`);
    expect(detailed.status).toBe(200);
    const body = JSON.parse(detailed.text) as { checks: { name: string; detail?: string }[] };
    expect(body.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining(['store', 'slack', 'github', 's3', 'background lease']),
    );
    expect(body.checks.find((c) => c.name === 's3')?.detail).toBe('bucket fpo-search-models is readable');
    // None of what the details name reaches the public port.
    for (const secretish of ['fpo-search-models', 'authenticated as', 'requests left', 'sqlite'])
      expect(bare.text).not.toContain(secretish);

    for (const url of [hh.url, admin]) expect((await get(`${url}/healthz`)).status).toBe(200);
    // The admin listener is for operators only: nothing from Slack, SNS or GitHub is taken there.
    expect((await fetch(`${admin}/slack/events`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${admin}/alerts/sns`, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await fetch(`${admin}/github/webhook`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('turns both /readyz answers 503 at once on a drain; only the admin one says why', async () => {
    const hh = await start({ admin: true });
    const stopped = hh.bot.stop({ drainDelayMs: 300 });
    const [bare, detailed] = await Promise.all([get(`${hh.url}/readyz`), get(`${adminUrl(hh)}/readyz`)]);
    expect(bare.status).toBe(503);
    expect(JSON.parse(bare.text)).toEqual({ ok: false });
    expect(detailed.status).toBe(503);
    expect(JSON.parse(detailed.text)).toMatchObject({ ok: false, draining: true });
    await stopped;
    await expect(fetch(`${adminUrl(hh)}/healthz`)).rejects.toThrow();
  });
});

describe('scrape-time database reads', () => {
  it('20 scrapes within the cache window query the rollback counts once; the next window reads again', async () => {
    // Without an admin port (served on the public one, as before): the cache is the same either way.
    const hh = await start({ metricsCacheMs: 1500 });
    const counts = vi.spyOn(hh.store, 'countByState');
    const scrape = () => get(`${hh.url}/metrics`);
    const pending = (text: string) =>
      Number(/^rollback_bot_rollbacks\{state="pending"\} (\S+)$/m.exec(text)?.[1]);

    const first = await scrape();
    await Promise.all(Array.from({ length: 9 }, scrape));
    for (let i = 0; i < 10; i++) await scrape();
    expect(counts).toHaveBeenCalledTimes(1);
    expect(pending(first.text)).toBe(0);

    await hh.command('to previous');
    await postedCard(hh);
    await settle(hh);
    // The first scrape after the window reads the new count, and only that one reads.
    await vi.waitFor(async () => expect(pending((await scrape()).text)).toBe(1), {
      timeout: 5000,
      interval: 50,
    });
    expect(counts).toHaveBeenCalledTimes(2);
  });

  it('probes arriving together share one database ping', async () => {
    const hh = await start();
    const ping = hh.store.ping.bind(hh.store);
    const pings = vi.spyOn(hh.store, 'ping').mockImplementation(async () => {
      await new Promise((r) => setTimeout(r, 200));
      await ping();
    });
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(`${hh.url}/readyz`)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(pings).toHaveBeenCalledTimes(1);
  });
});
