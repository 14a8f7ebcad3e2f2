/**
 * Telling the person who clicked: on a message, an ephemeral reply through its response URL; on the
 * Home tab (a view: Slack gives no response URL), a direct message from the bot (its Messages tab).
 */
import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { Mrkdwn } from '../blocks/mrkdwn.js';

type Args = Pick<SlackActionMiddlewareArgs<BlockAction>, 'respond' | 'body'> &
  Pick<AllMiddlewareArgs, 'client'>;

export async function tellClicker(args: Args, text: Mrkdwn | undefined): Promise<void> {
  if (!text) return;
  if (args.body.response_url) {
    await args.respond({ response_type: 'ephemeral', replace_original: false, text: text.text });
    return;
  }
  await args.client.chat.postMessage({ channel: args.body.user.id, text: text.text });
}
