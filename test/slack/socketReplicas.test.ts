/**
 * Several replicas in Socket Mode: each holds its own connection and Slack may hand any envelope, or a
 * retry of it, to any of them. Outcomes must stay those of one bot (the database decides, not memory).
 */
import { describe, expect, it } from 'vitest';
import { ACTIONS } from '../../src/slack/blocks/requestCard.js';
import { blockActionsPayload, eventCallback, slashCommandFields } from '../../world/slack/payloads.js';
import { freshPostgresUrl } from '../support/databases.js';
import { ALERT_CHANNEL, CHANNEL, REPO, USERS, useHarness } from '../support/harness.js';
import { textOf } from '../support/slackText.js';
import { postedCard, settle, threadReplies } from '../workflows/support.js';

const start = useHarness();

describe('two replicas, two Socket Mode connections, one database', () => {
  it('requests, approvals and a retried event land on either connection and act once', async () => {
    const h = await start({ socketMode: true, databaseUrl: await freshPostgresUrl() });
    await h.addReplica();
    const { endpoint } = h.socket;
    await endpoint.waitForConnection(2);
    const [one, two] = endpoint.openConnections().map((c) => c.id);
    expect(one).toBeDefined();
    expect(two).toBeDefined();
    const on = (i: number) => (i % 2 ? one : two) as number;

    // Ten requests, alternating connections: one card, nine refusals.
    const asked = Array.from({ length: 10 }, (_, i) =>
      endpoint.deliver(
        'slash_commands',
        slashCommandFields({
          text: 'to previous',
          user_id: USERS.alice,
          channel_id: CHANNEL,
          response_url: h.slack.responseUrl(`sock-ask-${i}`),
        }),
        { connection: on(i) },
      ),
    );
    const acks = await Promise.all(asked.map((id) => endpoint.waitForAck(id)));
    expect(new Set(acks.map((a) => a.connection))).toEqual(new Set([one, two]));
    const answers = await Promise.all(
      asked.map((_, i) =>
        h.slack.waitFor(() => h.slack.responsesTo(`sock-ask-${i}`)[0]).then((r) => textOf(r.body)),
      ),
    );
    const id = await postedCard(h);
    expect(answers.filter((t) => t.includes(`${id} is already active`))).toHaveLength(9);

    // Twelve approvals from two approvers, alternating connections: one PR, one "PR opened".
    const clicks = Array.from({ length: 12 }, (_, i) =>
      endpoint.deliver(
        'interactive',
        blockActionsPayload(
          {
            actionId: ACTIONS.approve,
            value: id,
            user: i % 3 ? USERS.bob : USERS.carol,
            responseUrl: h.slack.responseUrl(`sock-click-${i}`),
          },
          { channel: CHANNEL },
        ),
        { connection: on(i) },
      ),
    );
    await Promise.all(clicks.map((c) => endpoint.waitForAck(c)));
    await h.slack.waitFor(() => threadReplies(h).find((t) => t.includes('PR opened')));
    await settle(h);
    await new Promise((r) => setTimeout(r, 500));
    expect(h.github.pulls(REPO)).toHaveLength(1);
    expect(threadReplies(h).filter((t) => t.includes('PR opened'))).toHaveLength(1);

    // An alert message delivered on one connection and retried by Slack on the other: one reply.
    const event = eventCallback(
      {
        type: 'message',
        channel: ALERT_CHANNEL,
        bot_id: 'BALERTS',
        text: 'ALARM: fpo-search-production-5xx',
        ts: '1700000555.000100',
      },
      'EvSOCKREPL1',
    );
    const first = endpoint.deliver('events_api', event, { connection: one });
    await endpoint.waitForAck(first);
    const retry = endpoint.deliver('events_api', event, {
      connection: two,
      envelopeId: first,
      retryAttempt: 1,
      retryReason: 'timeout',
    });
    await endpoint.waitForAck(retry, { nth: 2 });
    await h.slack.waitFor(() =>
      h.slack.callsTo('chat.postMessage').find((c) => c.args.thread_ts === '1700000555.000100'),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(
      h.slack.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === '1700000555.000100'),
    ).toHaveLength(1);
  });
});
