/** AlertPosts over the Slack Web API. */
import type { webApi } from '@slack/bolt';
import type { AlertPosts } from '../ports/slack.js';
import { alertCard, alertOffer } from './blocks/alertCard.js';
import { section } from './blocks/kit.js';
import { renderAlertNotice } from './blocks/notices.js';

export function createSlackAlerts(client: webApi.WebClient): AlertPosts {
  return {
    async postCard(channel, view) {
      const res = await client.chat.postMessage({ channel, ...alertCard(view), unfurl_links: false });
      if (!res.ts) throw new Error('Slack did not return the alert card');
      return res.ts;
    },
    async updateCard(channel, ts, view) {
      await client.chat.update({ channel, ts, ...alertCard(view) });
    },
    async notify(channel, threadTs, notice, offer) {
      const text = renderAlertNotice(notice);
      await client.chat.postMessage({
        channel,
        thread_ts: threadTs,
        text: text.text,
        ...(offer ? { blocks: [section(text), ...alertOffer(offer)] } : {}),
        unfurl_links: false,
      });
    },
    async permalink(channel, ts) {
      const res = await client.chat.getPermalink({ channel, message_ts: ts });
      return res.permalink;
    },
  };
}
