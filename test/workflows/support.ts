/** Reading what the bot did in the fake Slack and GitHub, for the request-flow tests. */
import { expect } from 'vitest';
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

export async function ephemeralTo(h: Harness, responseId: string): Promise<string> {
  const body = await h.slack.waitFor(() => h.slack.responsesTo(responseId)[0]?.body);
  expect(body.response_type).toBe('ephemeral');
  return textOf(body);
}

export const pulls = (h: Harness) => h.github.pulls(REPO);

export async function settle(h: Harness): Promise<void> {
  await new Promise((r) => setTimeout(r, 150));
  await h.bot.workflows.cards.flush();
}

/** Waits until an async condition holds (store reads), failing after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
