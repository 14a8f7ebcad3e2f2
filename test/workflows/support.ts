/** Reading what the bot did in the fake Slack and GitHub, for the request-flow tests. */
import { expect, vi } from 'vitest';
import type { Harness } from '../support/harness.js';
import { REPO } from '../support/harness.js';
import { textOf } from '../support/slackText.js';

/** The id of the request card the bot posted most recently after call index `after` (waits for it). */
export async function postedCard(h: Harness, after = 0): Promise<string> {
  return h.slack.waitFor(() => {
    for (const call of h.slack.calls.slice(after)) {
      if (call.method !== 'chat.postMessage' || !Array.isArray(call.args.blocks)) continue;
      const match = /Rollback (R-[0-9A-Z]{4})/.exec(textOf(call.args));
      if (match?.[1]) return match[1];
    }
    return undefined;
  });
}

/** Thread replies, in order, as text. */
export function threadReplies(h: Harness): string[] {
  return h.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.thread_ts !== undefined && !Array.isArray(c.args.blocks))
    .map((c) => String(c.args.text));
}

/** The latest rendering of a card (postMessage or its last chat.update). */
export function latestCard(h: Harness, id: string): string {
  const renders = h.slack.calls
    .filter((c) => c.method === 'chat.postMessage' || c.method === 'chat.update')
    .map((c) => textOf(c.args))
    .filter((t) => t.includes(`Rollback ${id}`));
  return renders.at(-1) ?? '';
}

/** The answer a command posted to its response_url, whatever its visibility (waits for it). */
export async function answerTo(h: Harness, responseId: string): Promise<string> {
  return textOf(await h.slack.waitFor(() => h.slack.responsesTo(responseId)[0]?.body));
}

export async function ephemeralTo(h: Harness, responseId: string): Promise<string> {
  const body = await h.slack.waitFor(() => h.slack.responsesTo(responseId)[0]?.body);
  expect(body.response_type).toBe('ephemeral');
  return textOf(body);
}

export const pulls = (h: Harness) => h.github.pulls(REPO);

/**
 * Waits until the bot is idle: every Slack request it acknowledged has finished its follow-up work (the
 * bot counts them for its drain) and every card update is sent. An event, not a sleep: a test that
 * asserts "nothing more happened" reads the fakes only once the bot has nothing left to do.
 */
export async function settle(h: Harness): Promise<void> {
  await vi.waitFor(
    async () => {
      if (h.bot.inFlightCount() > 0) throw new Error(`${h.bot.inFlightCount()} Slack requests still at work`);
      await h.bot.workflows.cards.flush();
      if (h.bot.inFlightCount() > 0) throw new Error('a card update started more work');
    },
    { timeout: 10_000, interval: 5 },
  );
}

/** Waits until an async condition holds (store reads), failing after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  await vi.waitFor(
    async () => {
      if (!(await check())) throw new Error('condition not met in time');
    },
    { timeout: timeoutMs, interval: 10 },
  );
}
