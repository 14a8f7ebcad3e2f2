/**
 * The payloads Slack sends an app for a slash command, a click or pick (block_actions), a modal
 * submission (view_submission) and an Events API event, whatever the transport: HTTP mode posts them
 * to `/slack/events` (form-encoded or JSON), Socket Mode wraps them in an envelope. Tests, benchmarks
 * and the demo's local Slack all build them here, so every mode and caller sends the same shapes.
 * Each builder takes what varies; the rest is what Slack sends for the tests' workspace (TEST_IDENTITY)
 * unless `identity` says otherwise.
 */
import { type SlackIdentity, TEST_IDENTITY } from './identity.js';

/** Slack still sends the deprecated verification token; Bolt checks the signature instead. */
const TOKEN = 'deprecated-verification-token';

export interface SlashCommand {
  text: string;
  user_id: string;
  channel_id: string;
  response_url: string;
  command?: string;
  trigger_id?: string;
  team_id?: string;
  team_domain?: string;
  api_app_id?: string;
  user_name?: string;
  channel_name?: string;
}

/** Every field of a slash command is a string, in HTTP mode and in a `slash_commands` envelope alike. */
export function slashCommandFields(cmd: SlashCommand): Record<string, string> {
  return {
    token: TOKEN,
    team_id: cmd.team_id ?? TEST_IDENTITY.team.id,
    team_domain: cmd.team_domain ?? TEST_IDENTITY.team.domain,
    channel_id: cmd.channel_id,
    channel_name: cmd.channel_name ?? 'rollbacks',
    user_id: cmd.user_id,
    user_name: cmd.user_name ?? cmd.user_id.toLowerCase(),
    command: cmd.command ?? '/rollback',
    text: cmd.text,
    api_app_id: cmd.api_app_id ?? TEST_IDENTITY.appId,
    is_enterprise_install: 'false',
    response_url: cmd.response_url,
    trigger_id: cmd.trigger_id ?? `${Date.now()}.1.trigger`,
  };
}

export interface Actor {
  readonly id: string;
  /** Display name (default: the id in lower case). */
  readonly name?: string;
}

const userJson = (user: Actor, identity: SlackIdentity) => ({
  id: user.id,
  username: user.name ?? user.id.toLowerCase(),
  name: user.name ?? user.id.toLowerCase(),
  team_id: identity.team.id,
});

/** Where a block action happened: on a message (with a response URL) or in a modal. */
export type ActionPlace =
  | {
      readonly kind: 'message';
      readonly channel: { readonly id: string; readonly name: string };
      readonly messageTs: string;
      /** The thread the message is in, when it is a reply. */
      readonly threadTs?: string;
      readonly ephemeral?: boolean;
      /** The message as Slack shows it to the app; Slack leaves it out for ephemeral messages. */
      readonly message?: Record<string, unknown>;
      readonly responseUrl: string;
    }
  | { readonly kind: 'view'; readonly view: Record<string, unknown> };

/** `block_actions`: the full form, for any element on a message or in a modal. */
export function blockActions(input: {
  user: Actor;
  place: ActionPlace;
  actions: ReadonlyArray<Record<string, unknown>>;
  triggerId?: string;
  identity?: SlackIdentity;
}): Record<string, unknown> {
  const identity = input.identity ?? TEST_IDENTITY;
  const { place } = input;
  const common = {
    type: 'block_actions',
    user: userJson(input.user, identity),
    api_app_id: identity.appId,
    token: TOKEN,
    team: { id: identity.team.id, domain: identity.team.domain },
    enterprise: null,
    is_enterprise_install: false,
    trigger_id: input.triggerId ?? `${Date.now()}.trigger`,
  };
  if (place.kind === 'view') {
    const viewId = String(place.view.id ?? '');
    return {
      ...common,
      container: { type: 'view', view_id: viewId },
      view: place.view,
      actions: input.actions,
    };
  }
  return {
    ...common,
    container: {
      type: 'message',
      message_ts: place.messageTs,
      channel_id: place.channel.id,
      is_ephemeral: place.ephemeral ?? false,
      ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
    },
    channel: place.channel,
    ...(place.message && !place.ephemeral ? { message: place.message } : {}),
    state: { values: {} },
    response_url: place.responseUrl,
    actions: input.actions,
  };
}

export interface ClickWhere {
  channel: string;
  messageTs?: string;
  threadTs?: string;
}

/** A button pressed on a message (`block_actions`), the short form tests use. */
export function blockActionsPayload(
  click: { actionId: string; value: string; user: string; responseUrl: string },
  where: ClickWhere,
): Record<string, unknown> {
  const messageTs = where.messageTs ?? '1.000';
  return blockActions({
    user: { id: click.user },
    place: {
      kind: 'message',
      channel: { id: where.channel, name: 'rollbacks' },
      messageTs,
      ...(where.threadTs ? { threadTs: where.threadTs } : {}),
      message: {
        type: 'message',
        ts: messageTs,
        text: 'card',
        ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
      },
      responseUrl: click.responseUrl,
    },
    actions: [
      {
        type: 'button',
        action_id: click.actionId,
        block_id: 'b',
        value: click.value,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
}

/** `view_submission`: the full form, around the view as Slack shows it to the app (with its state). */
export function viewSubmission(input: {
  user: Actor;
  view: Record<string, unknown>;
  triggerId?: string;
  identity?: SlackIdentity;
}): Record<string, unknown> {
  const identity = input.identity ?? TEST_IDENTITY;
  return {
    type: 'view_submission',
    team: { id: identity.team.id, domain: identity.team.domain },
    user: userJson(input.user, identity),
    api_app_id: identity.appId,
    token: TOKEN,
    trigger_id: input.triggerId ?? `${Date.now()}.trigger`,
    view: input.view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/** A modal submitted (`view_submission`), the short form tests use. */
export function viewSubmissionPayload(
  view: { callback_id: string; private_metadata?: string },
  values: Record<string, Record<string, unknown>>,
  user: string,
): Record<string, unknown> {
  return viewSubmission({
    user: { id: user },
    view: {
      id: 'VMODAL',
      type: 'modal',
      team_id: TEST_IDENTITY.team.id,
      callback_id: view.callback_id,
      private_metadata: view.private_metadata ?? '',
      state: { values },
      hash: 'h',
      blocks: [],
      title: { type: 'plain_text', text: 'x' },
    },
  });
}

let eventCounter = 0;

/** An Events API callback around `event`, as Slack sends it over HTTP or in an `events_api` envelope. */
export function eventCallback(
  event: Record<string, unknown>,
  eventId = `Ev${Date.now()}${++eventCounter}`,
  identity: SlackIdentity = TEST_IDENTITY,
): Record<string, unknown> {
  return {
    token: TOKEN,
    team_id: identity.team.id,
    api_app_id: identity.appId,
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      { team_id: identity.team.id, user_id: identity.bot.userId, is_bot: true, is_enterprise_install: false },
    ],
    is_ext_shared_channel: false,
    event,
  };
}
