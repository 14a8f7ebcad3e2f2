/**
 * What people in the demo's page do, turned into what Slack sends the bot: slash commands, button
 * clicks and select changes (block_actions), modal submissions (view_submission) and message events,
 * built and signed by world/slack (payloads.ts, requests.ts) from the workspace's state. The bot's HTTP
 * answer (the ack) is interpreted as Slack's client would: a slash command's body is shown to the
 * person, a submission's `response_action` keeps the modal open with errors, updates or closes it.
 */
import type { SlackIdentity } from '../../world/slack/identity.js';
import {
  blockActions,
  eventCallback,
  type SlashCommand,
  viewSubmission,
} from '../../world/slack/payloads.js';
import {
  type SlackHttpResult,
  sendEvent,
  sendInteraction,
  sendSlashCommand,
} from '../../world/slack/requests.js';
import {
  type HomeView,
  type Message,
  type OpenView,
  SlackApiError,
  type Workspace,
} from '../../world/slack/workspace.js';

export interface DeliveryOptions {
  readonly workspace: Workspace;
  readonly signingSecret: string;
  /** The bot's base URL (`http://127.0.0.1:<port>`). */
  readonly botUrl: () => string;
  /** Base URL of this Slack, for response URLs. */
  readonly slackUrl: () => string;
  readonly identity: SlackIdentity;
  /** Who answers when the app does not (Slack's own messages). */
  readonly slackbot: string;
  /** Slack waits 3 seconds for an app to acknowledge. */
  readonly ackTimeoutMs?: number;
}

type Json = Record<string, unknown>;

/** Where a person acted: on a message (in the channel or in its thread pane), in a modal or on their Home tab. */
export type ActionSource =
  | { readonly kind: 'message'; readonly channel: string; readonly ts: string; readonly inThread: boolean }
  | { readonly kind: 'view'; readonly viewId: string }
  | { readonly kind: 'home'; readonly viewId: string };

export interface ActionInput {
  readonly user: string;
  readonly source: ActionSource;
  readonly blockId: string;
  readonly actionId: string;
  /** For selects: the value of the picked option. */
  readonly selected?: string;
}

export interface SubmitResult {
  readonly closed: boolean;
  /** block_id → message, as `response_action: errors` (or Slack's own check of required inputs). */
  readonly errors?: Record<string, string>;
  /** A problem reaching the app, shown at the top of the modal. */
  readonly problem?: string;
}

/** What Slack's client does to text a person types: &, < and > become entities. */
export const escapeTyped = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const asArray = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);

/** Every interactive element of some blocks, with the block it sits in. */
function elementsOf(blocks: unknown): Array<{ block: Json; element: Json }> {
  const out: Array<{ block: Json; element: Json }> = [];
  for (const block of asArray(blocks)) {
    if (block.accessory && typeof block.accessory === 'object') {
      out.push({ block, element: block.accessory as Json });
    }
    for (const element of asArray(block.elements)) out.push({ block, element });
    if (block.type === 'input' && block.element && typeof block.element === 'object') {
      out.push({ block, element: block.element as Json });
    }
  }
  return out;
}

function optionsOf(element: Json): Json[] {
  const groups = asArray(element.option_groups).flatMap((g) => asArray(g.options));
  return [...asArray(element.options), ...groups];
}

export function createDelivery(options: DeliveryOptions) {
  const { workspace, identity } = options;
  let eventCounter = 0;

  const actor = (user: string) => ({ id: user, name: workspace.displayName(user) });
  const timing = () => ({ timeoutMs: options.ackTimeoutMs ?? 3000 });
  const answered = (result: SlackHttpResult) => ({ status: result.status, text: result.body });
  const interaction = async (payload: Json) =>
    answered(await sendInteraction(options.botUrl(), options.signingSecret, payload, timing()));

  /** Slack's own ephemeral note when an app fails to answer. */
  function appFailed(user: string, channel: string, threadTs: string | undefined, what: string): void {
    workspace.postEphemeral({
      channel,
      user,
      threadTs,
      from: options.slackbot,
      content: { text: what },
    });
  }

  async function slashCommand(input: {
    user: string;
    channel: string;
    text: string;
    threadTs?: string;
  }): Promise<void> {
    const typed = input.text.trim();
    const command = typed.split(/\s+/)[0] ?? '';
    const args = typed.slice(command.length).trim();
    const channel = workspace.channelOrThrow(input.channel);
    const responseId = workspace.createResponseUrl({
      kind: 'command',
      user: input.user,
      channel: input.channel,
      threadTs: input.threadTs,
      commandText: escapeTyped(typed),
    });
    const cmd: SlashCommand = {
      team_id: identity.team.id,
      team_domain: identity.team.domain,
      channel_id: channel.id,
      channel_name: channel.name,
      user_id: input.user,
      user_name: workspace.displayName(input.user),
      command,
      text: escapeTyped(args),
      api_app_id: identity.appId,
      response_url: `${options.slackUrl()}/response/${responseId}`,
      trigger_id: workspace.issueTrigger(input.user),
    };
    let answer: { status: number; text: string };
    try {
      answer = answered(await sendSlashCommand(options.botUrl(), options.signingSecret, cmd, timing()));
    } catch (err) {
      const why = (err as Error).name === 'TimeoutError' ? 'operation_timeout' : 'dispatch_failed';
      appFailed(input.user, input.channel, input.threadTs, `${command} failed with the error "${why}"`);
      return;
    }
    if (answer.status !== 200) {
      appFailed(
        input.user,
        input.channel,
        input.threadTs,
        `${command} failed with the error "http_error_${answer.status}"`,
      );
      return;
    }
    if (answer.text.trim() === '') return;
    // A body in the ack is the first response, as if posted to the response URL.
    let body: Json;
    try {
      body = JSON.parse(answer.text) as Json;
    } catch {
      body = { text: escapeTyped(answer.text) };
    }
    const res = await fetch(`${options.slackUrl()}/response/${responseId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
  }

  function findOnMessage(
    user: string,
    source: Extract<ActionSource, { kind: 'message' }>,
  ): { message: Message; ephemeral: boolean } {
    const ephemeral = workspace.findEphemeral(user, source.channel, source.ts);
    const message = ephemeral ?? workspace.find(source.channel, source.ts);
    if (!message) throw new SlackApiError('message_not_found');
    return { message, ephemeral: Boolean(ephemeral) };
  }

  function actionJson(blocks: unknown, blockId: string, actionId: string, selected?: string): Json {
    const hit = elementsOf(blocks).find(
      (e) => e.block.block_id === blockId && e.element.action_id === actionId,
    );
    if (!hit) throw new SlackApiError('element_not_found');
    const { element } = hit;
    const base: Json = {
      type: element.type,
      action_id: actionId,
      block_id: blockId,
      action_ts: (Date.now() / 1000).toFixed(6),
    };
    if (element.type === 'button') {
      return {
        ...base,
        text: element.text,
        ...(element.value !== undefined ? { value: element.value } : {}),
        ...(element.style ? { style: element.style } : {}),
      };
    }
    if (element.type === 'static_select') {
      const option = optionsOf(element).find((o) => o.value === selected);
      if (!option) throw new SlackApiError('option_not_found');
      return {
        ...base,
        selected_option: option,
        ...(element.placeholder ? { placeholder: element.placeholder } : {}),
      };
    }
    throw new SlackApiError('element_not_supported');
  }

  function viewJson(view: OpenView | HomeView, values: Json): Json {
    return {
      ...view.view,
      id: view.id,
      team_id: identity.team.id,
      type: view.view.type ?? 'modal',
      private_metadata: view.view.private_metadata ?? '',
      callback_id: view.view.callback_id ?? '',
      state: { values },
      hash: view.hash,
      previous_view_id: null,
      root_view_id: view.id,
      app_id: identity.appId,
      external_id: '',
      app_installed_team_id: identity.team.id,
      bot_id: identity.bot.botId,
    };
  }

  /** A click on a button or a pick in a select. Resolves when the bot has acknowledged it. */
  async function blockAction(input: ActionInput): Promise<void> {
    const common = { user: actor(input.user), triggerId: workspace.issueTrigger(input.user), identity };
    if (input.source.kind === 'view') {
      const view = workspace.findView(input.source.viewId);
      if (!view || view.user !== input.user) throw new SlackApiError('view_not_found');
      await interaction(
        blockActions({
          ...common,
          place: { kind: 'view', view: viewJson(view, {}) },
          actions: [actionJson(view.view.blocks, input.blockId, input.actionId, input.selected)],
        }),
      );
      return;
    }
    if (input.source.kind === 'home') {
      // A Home tab is the person's own: a click names the view they see, as published last.
      const home = workspace.homeOf(input.user);
      if (!home || home.id !== input.source.viewId) throw new SlackApiError('view_not_found');
      await interaction(
        blockActions({
          ...common,
          place: { kind: 'view', view: viewJson(home, {}) },
          actions: [actionJson(home.view.blocks, input.blockId, input.actionId, input.selected)],
        }),
      );
      return;
    }
    const source = input.source;
    const { message, ephemeral } = findOnMessage(input.user, source);
    const channel = workspace.channelOrThrow(source.channel);
    const threadTs = source.inThread ? (message.threadTs ?? message.ts) : undefined;
    const responseId = workspace.createResponseUrl({
      kind: 'action',
      user: input.user,
      channel: channel.id,
      threadTs,
      messageTs: message.ts,
    });
    const payload = blockActions({
      ...common,
      place: {
        kind: 'message',
        channel: { id: channel.id, name: channel.name },
        messageTs: message.ts,
        ...(message.threadTs ? { threadTs: message.threadTs } : {}),
        ephemeral,
        message: {
          type: 'message',
          user: message.user,
          ...(message.botId ? { bot_id: message.botId } : {}),
          text: message.text,
          ...(message.blocks ? { blocks: message.blocks } : {}),
          ts: message.ts,
          ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
        },
        responseUrl: `${options.slackUrl()}/response/${responseId}`,
      },
      actions: [actionJson(message.blocks, input.blockId, input.actionId, input.selected)],
    });
    const answer = await interaction(payload).catch(() => ({ status: 0, text: '' }));
    if (answer.status !== 200) {
      appFailed(
        input.user,
        channel.id,
        threadTs,
        `${workspace.displayName(identity.bot.userId)} did not respond to that action.`,
      );
    }
  }

  /** The values of a modal's inputs as Slack sends them in `view.state.values`. */
  function stateValues(
    view: OpenView,
    typed: ReadonlyArray<{ blockId: string; value: string | null }>,
  ): Json {
    const values: Json = {};
    for (const block of asArray(view.view.blocks)) {
      if (block.type !== 'input') continue;
      const element = (block.element ?? {}) as Json;
      const blockId = String(block.block_id);
      const actionId = String(element.action_id ?? 'value');
      const given = typed.find((t) => t.blockId === blockId)?.value ?? null;
      let value: Json;
      if (element.type === 'static_select') {
        const picked = given === null ? undefined : optionsOf(element).find((o) => o.value === given);
        value = { type: 'static_select', selected_option: picked ?? null };
      } else {
        value = { type: element.type ?? 'plain_text_input', value: given === '' ? null : given };
      }
      values[blockId] = { [actionId]: value };
    }
    return values;
  }

  /** Submit on a modal: Slack checks required inputs itself, then asks the app. */
  async function submitView(input: {
    user: string;
    viewId: string;
    values: ReadonlyArray<{ blockId: string; value: string | null }>;
  }): Promise<SubmitResult> {
    const view = workspace.findView(input.viewId);
    if (!view || view.user !== input.user) return { closed: true };
    const values = stateValues(view, input.values);
    const missing: Record<string, string> = {};
    for (const block of asArray(view.view.blocks)) {
      if (block.type !== 'input' || block.optional === true) continue;
      const entry = Object.values((values[String(block.block_id)] ?? {}) as Json)[0] as Json | undefined;
      if (!entry || (entry.selected_option ?? entry.value) == null) {
        missing[String(block.block_id)] = 'Please complete this required field.';
      }
    }
    if (Object.keys(missing).length) return { closed: false, errors: missing };

    let answer: { status: number; text: string };
    try {
      answer = await interaction(
        viewSubmission({
          user: actor(input.user),
          triggerId: workspace.issueTrigger(input.user),
          view: viewJson(view, values),
          identity,
        }),
      );
    } catch {
      return { closed: false, problem: 'We had some trouble connecting. Try again?' };
    }
    if (answer.status !== 200)
      return { closed: false, problem: 'We had some trouble connecting. Try again?' };
    if (answer.text.trim() === '') {
      workspace.closeView(input.user, view.id);
      return { closed: true };
    }
    const body = JSON.parse(answer.text) as Json;
    switch (body.response_action) {
      case 'errors':
        return { closed: false, errors: (body.errors ?? {}) as Record<string, string> };
      case 'update':
        workspace.replaceView(view.id, (body.view ?? {}) as Json);
        return { closed: false };
      case 'push':
        workspace.pushAfterSubmit(input.user, (body.view ?? {}) as Json);
        return { closed: false };
      case 'clear':
        workspace.closeView(input.user, undefined, true);
        return { closed: true };
      default:
        workspace.closeView(input.user, view.id);
        return { closed: true };
    }
  }

  /** Sends an Events API callback; Slack retries an event that was not acknowledged, the demo reports it. */
  async function deliverEvent(event: Json, what: string): Promise<void> {
    eventCounter += 1;
    const envelope = eventCallback(event, `Ev0DEMO${String(eventCounter).padStart(6, '0')}`, identity);
    const answer = await sendEvent(options.botUrl(), options.signingSecret, envelope, timing()).catch(() => ({
      status: 0,
    }));
    if (answer.status !== 200) throw new Error(`the bot answered ${answer.status} to ${what}`);
  }

  /**
   * Events API: the person opened the app's Home tab. Slack sends the app's DM channel with them and,
   * once something was published, the view they are shown.
   */
  async function appHomeOpened(user: string): Promise<void> {
    const home = workspace.homeOf(user);
    await deliverEvent(
      {
        type: 'app_home_opened',
        user,
        channel: workspace.imWith(user).id,
        tab: 'home',
        ...(home ? { view: viewJson(home, {}) } : {}),
        event_ts: (Date.now() / 1000).toFixed(6),
      },
      'app_home_opened',
    );
  }

  /** Events API: a new message in a channel the bot is in. */
  async function messageEvent(message: Message): Promise<void> {
    const event = {
      type: 'message',
      channel: message.channel,
      channel_type: 'channel',
      ...(message.user ? { user: message.user } : {}),
      ...(message.botId ? { bot_id: message.botId } : {}),
      ...(message.username ? { username: message.username } : {}),
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      ...(message.attachments ? { attachments: message.attachments } : {}),
      ts: message.ts,
      ...(message.threadTs ? { thread_ts: message.threadTs } : {}),
      event_ts: message.ts,
      team: identity.team.id,
    };
    await deliverEvent(event, 'a message event');
  }

  return { slashCommand, blockAction, submitView, messageEvent, appHomeOpened };
}

export type Delivery = ReturnType<typeof createDelivery>;
