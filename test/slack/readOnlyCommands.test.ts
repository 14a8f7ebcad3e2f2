import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sendSlashCommand } from '../../world/slack/requests.js';
import { type Harness, SIGNING_SECRET, startHarness, USERS } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { settle } from '../workflows/support.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.slack.reset();
  h.health.serve('development', '1.25.4-4b5c6d7');
  h.health.serve('staging', '1.25.3-3a4b5c6');
  h.health.serve('production', '1.25.3-3a4b5c6');
});

const responseOf = (id: string) => h.slack.waitFor(() => h.slack.responsesTo(id)[0]?.body);

describe('/rollback help', () => {
  it('answers in the ack itself, ephemerally, with grammar, services and reasons', async () => {
    const res = await h.command('help');
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.response_type).toBe('ephemeral');
    const text = textOf(body);
    expect(text).toContain('/rollback versions [service] [count]');
    expect(text).toContain('`fpo-search`');
    expect(text).toContain('PERFORMANCE_DEGRADATION');
    expect(h.slack.calls).toEqual([]);
  });
});

describe('/rollback status', () => {
  it('shows each environment, the configured version, its CI iteration and the last known good', async () => {
    const res = await h.command('status');
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const msg = await responseOf(res.responseId);
    expect(msg.response_type).toBe('in_channel');
    const text = textOf(msg);
    expect(text).toMatch(/\*production\*[^\n]*\n`1\.25\.3-3a4b5c6`\n:large_green_circle: healthy · \d+ ms/);
    expect(text).toContain('*Configured on main:* `1.25.3` → CI deploys `1.25.3-3a4b5c6`');
    expect(text).toContain('development serves 1.25.4-4b5c6d7 while main configures 1.25.3');
    expect(text).toContain('*Last known good:* `1.25.0-293a4b5`');
    expect(text).not.toContain('Could not read');
  });

  it('names a mismatch between what is served and what main configures', async () => {
    const before = h.github.fileAt('example-org/fpo-search', 'main', 'search-config.toml') ?? '';
    h.github.commitFile(
      'example-org/fpo-search',
      'main',
      'search-config.toml',
      before.replace('1.25.3', '1.25.0'),
    );
    try {
      const res = await h.command('status fpo-search');
      const text = textOf(await responseOf(res.responseId));
      expect(text).toContain('production serves 1.25.3-3a4b5c6 but main configures 1.25.0');
      expect(text).toContain('staging serves 1.25.3-3a4b5c6 but main configures 1.25.0');
    } finally {
      h.github.commitFile('example-org/fpo-search', 'main', 'search-config.toml', before);
    }
  });

  it('keeps showing healthy environments when others time out or answer garbage', async () => {
    h.health.set('production', { delayMs: 3000, body: {} });
    h.health.set('staging', { raw: '<html>502 Bad Gateway</html>' });
    const res = await h.command('status');
    const text = textOf(await responseOf(res.responseId));
    expect(text).toContain('`1.25.4-4b5c6d7`');
    expect(text).toContain('*staging* _(from main)_\n:warning: answered with invalid JSON');
    expect(text).toContain('*production* _(from main)_\n:warning: no answer within 1000 ms');
    expect(text).toContain('healthcheck of staging, production');
    // Production unreadable: the live model falls back to what main configures.
    expect(text).toContain('(from the config: production unreadable)');
  });

  it('says which outside system is down and shows the rest', async () => {
    h.github.failNext('GET', /\/contents\//, 500);
    const res = await h.command('status');
    const text = textOf(await responseOf(res.responseId));
    expect(text).toMatch(
      /Could not read:\*\n• GitHub \(example-org\/fpo-search\): reading search-config.toml from example-org\/fpo-search: HTTP 500/,
    );
    expect(text).toContain('`1.25.3-3a4b5c6`');
    expect(text).toContain('*Last known good:* `1.25.0-293a4b5`');
  });
});

describe('/rollback versions', () => {
  it('lists versions newest first with CI iteration, validation, reach, who serves and safety', async () => {
    const res = await h.command('versions 20');
    const msg = await responseOf(res.responseId);
    expect(msg.response_type).toBe('in_channel');
    const text = textOf(msg);
    const order = [
      '*1.25.4*',
      '*1.25.3*',
      '*1.25.0*',
      '*1.24.1*',
      '*1.24.0*',
      '*1.23.0*',
      '*1.22.0*',
      '*1.1.10*',
      '*1.1.1*',
    ];
    const positions = order.map((v) => text.indexOf(v));
    expect(positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] ?? 0)))).toBe(true);
    expect(text).toContain(
      '*1.25.3*  :satellite_antenna: serves staging  :satellite_antenna: serves production  :memo: configured on main',
    );
    expect(text).toContain('CI deploys `1.24.0-0718293` (newest of 2)');
    expect(text).toMatch(
      /\*1\.25\.0\*\nCI deploys `1\.25\.0-293a4b5`[^\n]*\n:white_check_mark: passed · reached development, staging, production\n:large_green_circle: safe rollback target/,
    );
    expect(text).toContain('never reached staging or production');
    expect(text).toMatch(
      /\*1\.1\.1\*\nCI deploys `1\.1\.10-b2c3d4e`: \*not this version\*\n:no_entry: not a target: prefix trap/,
    );
    expect(text).toContain('newer than the live 1.25.3');
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
  });

  it('limits to the count asked and says how to see more', async () => {
    const res = await h.command('versions fpo-search 3');
    const text = textOf(await responseOf(res.responseId));
    expect(text).toContain('*1.25.0*');
    expect(text).not.toContain('*1.24.1*');
    expect(text).toContain('3 of 9 versions');
    expect(text).toContain('`/rollback versions fpo-search 9`');
  });
});

describe('bad input', () => {
  it.each([
    ['rollbak', /Unknown subcommand `rollbak`/, '/rollback status [service]'],
    ['status ranker', /There is no service named `ranker`/, '/rollback status [service]'],
    ['versions many', /`many` is not a count/, '/rollback versions [service] [count]'],
    ['status fpo-search now', /Unexpected `now`/, '/rollback status [service]'],
  ])('`/rollback %s` gets an ephemeral answer with the usage line', async (input, error, usage) => {
    const res = await h.command(input);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body);
    expect(body.response_type).toBe('ephemeral');
    expect(textOf(body)).toMatch(error);
    expect(textOf(body)).toContain(usage);
    expect(h.slack.calls).toEqual([]);
    expect(h.slack.responses).toEqual([]);
  });
});

describe('request signatures', () => {
  const command = () => ({
    text: 'status',
    user_id: USERS.alice,
    channel_id: 'CROLLBACK1',
    response_url: h.slack.responseUrl('forged'),
  });

  it('refuses a forged signature with 401 and posts nothing', async () => {
    const hitsBefore = h.health.hits('production');
    const res = await sendSlashCommand(h.url, SIGNING_SECRET, command(), { signature: 'v0=deadbeef' });
    expect(res.status).toBe(401);
    await settle(h);
    expect(h.slack.calls).toEqual([]);
    expect(h.slack.responses).toEqual([]);
    // The listener never ran: no outside system was even asked.
    expect(h.health.hits('production')).toBe(hitsBefore);
  });

  it('refuses a stale timestamp (replay) with 401 and posts nothing', async () => {
    const res = await sendSlashCommand(h.url, SIGNING_SECRET, command(), {
      timestamp: Math.floor(Date.now() / 1000) - 10 * 60,
    });
    expect(res.status).toBe(401);
    const wrongSecret = await sendSlashCommand(h.url, 'another-secret', command());
    expect(wrongSecret.status).toBe(401);
    await settle(h);
    expect(h.slack.responses).toEqual([]);
  });
});

describe('health routes', () => {
  it('answers /healthz and /readyz', async () => {
    const healthz = await fetch(`${h.url}/healthz`);
    expect(healthz.status).toBe(200);
    const readyz = await fetch(`${h.url}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({ ok: true });
    expect((await fetch(`${h.url}/nope`)).status).toBe(404);
  });
});
