/**
 * "Ack first, slow work after" (issue 15, item 8): with every healthcheck slow, a burst of `/rollback
 * status` is acknowledged before any of it is answered, the drain counts the answers still to come, and
 * each answer arrives once the slow systems have spoken.
 */
import { describe, expect, it } from 'vitest';
import { sendSlashCommand } from '../../world/slack/requests.js';
import { CHANNEL, SIGNING_SECRET, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { settle } from '../workflows/support.js';

const start = useHarness();
const SLOW_MS = 2500;
const BURST = 20;

describe('acks before follow-ups', () => {
  it(`${BURST} concurrent statuses with ${SLOW_MS} ms healthchecks: all acked empty before any answer`, async () => {
    const h = await start({ healthcheckTimeoutMs: 10_000 });
    for (const [env, iteration] of [
      ['development', '1.25.4-4b5c6d7'],
      ['staging', '1.25.3-3a4b5c6'],
      ['production', '1.25.3-3a4b5c6'],
    ] as const) {
      h.health.set(env, {
        delayMs: SLOW_MS,
        body: { git_sha1: iteration.slice(-7), model_version: iteration, healthy: true },
      });
    }
    const sentAt = Date.now();
    const acks = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        sendSlashCommand(h.url, SIGNING_SECRET, {
          text: 'status',
          user_id: USERS.alice,
          channel_id: CHANNEL,
          response_url: h.slack.responseUrl(`burst-${i}`),
        }),
      ),
    );
    const ackedAt = Date.now();
    expect(acks.map((a) => [a.status, a.body])).toEqual(acks.map(() => [200, '']));
    // The acks did not wait for the healthchecks, and none of the answers has been posted yet.
    expect(ackedAt - sentAt).toBeLessThan(SLOW_MS);
    expect(h.slack.responses).toEqual([]);
    // What a drain waits for: every acknowledged command's answer is still in flight.
    expect(h.bot.inFlightCount()).toBeGreaterThanOrEqual(BURST);

    await settle(h);
    for (let i = 0; i < BURST; i++) {
      const [answer, ...more] = h.slack.responsesTo(`burst-${i}`);
      expect(more).toEqual([]);
      expect(answer?.body.response_type).toBe('in_channel');
      expect(textOf(answer?.body)).toContain('`1.25.3-3a4b5c6`');
      expect(answer?.at ?? 0).toBeGreaterThanOrEqual(sentAt + SLOW_MS);
    }
    expect(h.bot.inFlightCount()).toBe(0);
  }, 30_000);
});
