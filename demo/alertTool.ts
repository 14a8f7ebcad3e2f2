/**
 * The other way an alarm reaches the bot in the reference deployment: another tool (AWS Chatbot) posts
 * it in #ml-alerts, and Slack delivers the post to the bot as a message event.
 */
import type { Workspace } from '../world/slack/workspace.js';
import { ALERT_TOOL, CHANNELS } from './config.js';
import type { Delivery } from './slack/toBot.js';

/** AWS Chatbot's post of the alarm in #ml-alerts, then the message event Slack sends the bot. */
export async function postAlertMessage(
  workspace: Workspace,
  delivery: Delivery,
  toolUserId: string,
  alarm: string,
): Promise<void> {
  const message = workspace.post({
    channel: CHANNELS.alerts.id,
    user: toolUserId,
    botId: ALERT_TOOL.botId,
    content: {
      text: '',
      attachments: [
        {
          color: 'danger',
          title: `:rotating_light: ALARM: "${alarm}" in EU (London)`,
          text: 'Threshold Crossed: 3 out of the last 3 datapoints were greater than the threshold (5.0). 5XX responses from the FPO search API above 5% for 3 minutes.',
          footer: 'CloudWatch · eu-west-2',
        },
      ],
    },
  });
  await delivery.messageEvent(message);
}
