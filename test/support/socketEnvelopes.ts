/**
 * Drives the bot in Socket Mode the way Slack does: the same payloads as HTTP mode, delivered as
 * envelopes over the fake Socket Mode endpoint. Each call waits for the bot's acknowledgement of that
 * envelope within Slack's 3 s deadline and returns it.
 */

import {
  blockActionsPayload,
  type ClickWhere,
  eventCallback,
  slashCommandFields,
  viewSubmissionPayload,
} from '../../world/slack/payloads.js';
import type { Ack, DeliverOptions, EnvelopeType, FakeSocketMode } from '../../world/socketMode.js';

export interface EnvelopeResult {
  envelopeId: string;
  /** What the bot sent back for this envelope (payload `{}` for a bare ack()). */
  ack: Ack;
}

export interface SocketDriver {
  endpoint: FakeSocketMode;
  /** `/rollback <text>` in a `slash_commands` envelope; its `response_url` is `responseId` on the fake. */
  command(text: string, user?: string, responseId?: string): Promise<EnvelopeResult & { responseId: string }>;
  /** A button press in an `interactive` envelope. */
  click(
    actionId: string,
    value: string,
    user: string,
    responseId?: string,
    where?: Partial<ClickWhere>,
  ): Promise<EnvelopeResult & { responseId: string }>;
  /** A modal submission in an `interactive` envelope. */
  submitView(
    view: { callback_id: string; private_metadata?: string },
    values: Record<string, Record<string, unknown>>,
    user: string,
  ): Promise<EnvelopeResult>;
  /**
   * An Events API event in an `events_api` envelope. Give the same `envelopeId` and `eventId` with a
   * `retryAttempt` to deliver it again as Slack's retry does.
   */
  event(
    event: Record<string, unknown>,
    options?: DeliverOptions & { eventId?: string },
  ): Promise<EnvelopeResult & { eventId: string }>;
}

let counter = 0;

export function socketDriver(
  endpoint: FakeSocketMode,
  slack: { responseUrl(id: string): string },
  defaults: { channel: string; user: string },
): SocketDriver {
  const send = async (
    type: EnvelopeType,
    payload: Record<string, unknown>,
    options: DeliverOptions = {},
  ): Promise<EnvelopeResult> => {
    const before = options.envelopeId ? endpoint.acksFor(options.envelopeId).length : 0;
    const envelopeId = endpoint.deliver(type, payload, options);
    const ack = await endpoint.waitForAck(envelopeId, { nth: before + 1 });
    return { envelopeId, ack };
  };

  return {
    endpoint,
    async command(text, user = defaults.user, responseId = `sr${++counter}`) {
      const payload = slashCommandFields({
        text,
        user_id: user,
        channel_id: defaults.channel,
        response_url: slack.responseUrl(responseId),
      });
      return { ...(await send('slash_commands', payload)), responseId };
    },
    async click(actionId, value, user, responseId = `sc${++counter}`, where = {}) {
      const payload = blockActionsPayload(
        { actionId, value, user, responseUrl: slack.responseUrl(responseId) },
        { ...where, channel: where.channel ?? defaults.channel },
      );
      return { ...(await send('interactive', payload)), responseId };
    },
    submitView: (view, values, user) => send('interactive', viewSubmissionPayload(view, values, user)),
    async event(event, options = {}) {
      const { eventId: given, ...deliver } = options;
      const payload = eventCallback(event, given);
      return { ...(await send('events_api', payload, deliver)), eventId: String(payload.event_id) };
    },
  };
}

/**
 * The bot's start() in Socket Mode resolves once Slack said `hello`. A client that calls another
 * apps.connections.open than the fake's retries for minutes; this fails fast and says so instead.
 */
export async function connectedWithin<T>(
  starting: Promise<T>,
  slack: { callsTo(method: string): unknown[] },
  ms: number,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const opens = slack.callsTo('apps.connections.open').length;
      reject(
        new Error(
          `the bot did not connect in Socket Mode within ${ms} ms; the fake Slack saw ${opens} apps.connections.open call(s)${opens === 0 ? ' (is SLACK_API_URL passed to the socket-mode client?)' : ''}`,
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([starting, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
