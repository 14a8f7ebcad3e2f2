/**
 * The payloads Slack sends for a slash command, a button click and a modal submission, whatever the
 * transport: HTTP mode posts them to `/slack/events` (form-encoded), Socket Mode wraps them in an
 * envelope. One builder each, so both modes are tested with the same shapes.
 */

export interface SlashCommand {
  text: string;
  user_id: string;
  channel_id: string;
  response_url: string;
  command?: string;
  trigger_id?: string;
  team_id?: string;
  user_name?: string;
  channel_name?: string;
}

/** Every field of a slash command is a string, in HTTP mode and in a `slash_commands` envelope alike. */
export function slashCommandFields(cmd: SlashCommand): Record<string, string> {
  return {
    token: 'deprecated-verification-token',
    team_id: cmd.team_id ?? 'T1',
    team_domain: 'example',
    channel_id: cmd.channel_id,
    channel_name: cmd.channel_name ?? 'rollbacks',
    user_id: cmd.user_id,
    user_name: cmd.user_name ?? cmd.user_id.toLowerCase(),
    command: cmd.command ?? '/rollback',
    text: cmd.text,
    api_app_id: 'A1',
    is_enterprise_install: 'false',
    response_url: cmd.response_url,
    trigger_id: cmd.trigger_id ?? `${Date.now()}.1.trigger`,
  };
}

export interface ClickWhere {
  channel: string;
  messageTs?: string;
  threadTs?: string;
}

/** A button pressed on a message (`block_actions`). */
export function blockActionsPayload(
  click: { actionId: string; value: string; user: string; responseUrl: string },
  where: ClickWhere,
): Record<string, unknown> {
  const { channel } = where;
  const messageTs = where.messageTs ?? '1.000';
  return {
    type: 'block_actions',
    user: { id: click.user, username: click.user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'deprecated',
    team: { id: 'T1', domain: 'example' },
    channel: { id: channel, name: 'rollbacks' },
    container: { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false },
    message: {
      type: 'message',
      ts: messageTs,
      text: 'card',
      ...(where.threadTs ? { thread_ts: where.threadTs } : {}),
    },
    trigger_id: `${Date.now()}.trigger`,
    response_url: click.responseUrl,
    actions: [
      {
        type: 'button',
        action_id: click.actionId,
        block_id: 'b',
        value: click.value,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  };
}

/** A modal submitted (`view_submission`). */
export function viewSubmissionPayload(
  view: { callback_id: string; private_metadata?: string },
  values: Record<string, Record<string, unknown>>,
  user: string,
): Record<string, unknown> {
  return {
    type: 'view_submission',
    team: { id: 'T1', domain: 'example' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T1' },
    api_app_id: 'A1',
    token: 'deprecated',
    trigger_id: `${Date.now()}.trigger`,
    view: {
      id: 'VMODAL',
      type: 'modal',
      team_id: 'T1',
      callback_id: view.callback_id,
      private_metadata: view.private_metadata ?? '',
      state: { values },
      hash: 'h',
      blocks: [],
      title: { type: 'plain_text', text: 'x' },
    },
    response_urls: [],
  };
}

let eventCounter = 0;

/** An Events API callback around `event`, as Slack sends it over HTTP or in an `events_api` envelope. */
export function eventCallback(
  event: Record<string, unknown>,
  eventId = `Ev${Date.now()}${++eventCounter}`,
): Record<string, unknown> {
  return {
    token: 'deprecated',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
    event,
  };
}
