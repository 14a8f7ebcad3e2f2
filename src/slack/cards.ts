/**
 * Request cards in Slack: posting, replies in their thread, and in-place updates. Updates are
 * coalesced per card and paced (Slack allows about 50 chat.update calls a minute): a burst of events
 * becomes one update showing the latest state. An update that would show exactly what the card already
 * shows is not sent at all: the hash of the last content sent is kept with the request, so this holds
 * across replicas and restarts (a tracking round every few seconds must not re-post an unchanged card).
 */
import { createHash } from 'node:crypto';
import type { webApi } from '@slack/bolt';
import Bottleneck from 'bottleneck';
import type { BotConfig } from '../config/botConfig.js';
import { findService } from '../config/botConfig.js';
import type { RollbackRequest } from '../domain/request.js';
import type { RequestCards } from '../ports/slack.js';
import type { Store } from '../ports/store.js';
import type { Logger } from '../support/log.js';
import { renderNotice, renderSummary } from './blocks/notices.js';
import { requestCard } from './blocks/requestCard.js';

export function createSlackCards(deps: {
  client: webApi.WebClient;
  store: Store;
  config: BotConfig;
  log: Logger;
  /** Minimum spacing of chat.update calls; 0 in tests. */
  updateIntervalMs: number;
}): RequestCards {
  const limiter = new Bottleneck({ maxConcurrent: 1, minTime: deps.updateIntervalMs });
  const queued = new Set<string>();
  const sending = new Set<Promise<unknown>>();

  const render = async (r: RollbackRequest) => {
    const service = findService(deps.config, r.service);
    const [events, pin] = await Promise.all([deps.store.events(r.id), deps.store.getPin(r.service)]);
    return requestCard(r, events, {
      pin: pin?.requestId === r.id ? pin : undefined,
      approvers: service?.approvers ?? { users: [], usergroups: [] },
      environments: service?.environments.map((e) => ({ name: e.name, deployPhase: e.deployPhase })) ?? [],
      consecutiveReads: deps.config.tracking.consecutiveReads,
    });
  };
  const threadOf = (r: RollbackRequest) => r.threadTs ?? r.cardTs;
  const hashOf = (message: object) => createHash('sha256').update(JSON.stringify(message)).digest('hex');

  return {
    async publish(request) {
      const message = await render(request);
      const res = await deps.client.chat.postMessage({
        channel: request.channel,
        ...message,
        ...(request.threadTs ? { thread_ts: request.threadTs, reply_broadcast: true } : {}),
        unfurl_links: false,
      } as webApi.ChatPostMessageArguments);
      if (!res.ts || !res.channel) throw new Error('Slack did not return the posted message');
      await deps.store.setCardHash(request.id, hashOf(message));
      return { channel: res.channel, ts: res.ts };
    },

    refresh(requestId) {
      if (queued.has(requestId)) return; // the queued update will read the latest state
      queued.add(requestId);
      const job = limiter
        .schedule(async () => {
          queued.delete(requestId);
          const request = await deps.store.getRequest(requestId);
          if (!request?.cardTs) return;
          const message = await render(request);
          if (!(await deps.store.setCardHash(requestId, hashOf(message)))) return;
          try {
            await deps.client.chat.update({ channel: request.channel, ts: request.cardTs, ...message });
          } catch (err) {
            // Forget what was not shown, so the next refresh sends it again.
            await deps.store.setCardHash(requestId, null).catch(() => undefined);
            throw err;
          }
        })
        .catch((err) => deps.log.warn('card update failed', { request: requestId, error: err }));
      sending.add(job);
      job.finally(() => sending.delete(job));
    },

    async notify(request, notice) {
      const fresh = (await deps.store.getRequest(request.id)) ?? request;
      const thread = threadOf(fresh);
      const { text, broadcast } = renderNotice(notice);
      await deps.client.chat.postMessage({
        channel: fresh.channel,
        text: text.text,
        ...(thread ? { thread_ts: thread } : {}),
        ...(broadcast ? { reply_broadcast: true } : {}),
        unfurl_links: false,
      } as webApi.ChatPostMessageArguments);
    },

    async summarize(channel, summary) {
      await deps.client.chat.postMessage({
        channel,
        text: renderSummary(summary).text,
        unfurl_links: false,
      } as webApi.ChatPostMessageArguments);
    },

    async permalink(request) {
      const fresh = (await deps.store.getRequest(request.id)) ?? request;
      if (!fresh.cardTs) return undefined;
      const res = await deps.client.chat.getPermalink({ channel: fresh.channel, message_ts: fresh.cardTs });
      return res.permalink;
    },

    async flush() {
      while (sending.size > 0) await Promise.allSettled([...sending]);
    },
  };
}
