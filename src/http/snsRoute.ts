/**
 * `POST /alerts/sns`: CloudWatch alarms through an SNS HTTPS subscription. Only verified messages from
 * allowlisted topics are acted on; a MessageId is acted on once (SNS retries deliveries).
 */

import type { BotConfig } from '../config/botConfig.js';
import type { SnsMessage, SnsVerifier } from '../ports/sns.js';
import type { Store } from '../ports/store.js';
import type { Logger } from '../support/log.js';
import type { WorkflowDeps } from '../workflows/deps.js';
import { type AlarmReceipt, receiveAlarm } from '../workflows/handleAlarm.js';
import { type Route, sendJson } from './server.js';

export function snsRoute(deps: {
  config: BotConfig;
  verifier: SnsVerifier;
  confirm: (message: SnsMessage) => Promise<void>;
  store: Store;
  workflows: WorkflowDeps;
  log: Logger;
}): Route {
  return {
    method: 'POST',
    path: '/alerts/sns',
    async handle(_req, res, body) {
      const verdict = await deps.verifier.verify(body.toString('utf8'));
      if (!verdict.ok) {
        deps.log.warn('sns message refused', { reason: verdict.reason, status: verdict.status });
        return sendJson(res, verdict.status, { error: verdict.reason });
      }
      const message = verdict.message;
      const log = deps.log.child({ snsMessageId: message.MessageId, topic: message.TopicArn });
      if (message.Type === 'SubscriptionConfirmation') {
        if (!deps.config.sns.autoConfirm) {
          log.warn('sns subscription awaits confirmation: open SubscribeURL to confirm', {
            subscribeUrl: message.SubscribeURL,
          });
          return sendJson(res, 200, { confirmed: false });
        }
        try {
          await deps.confirm(message);
        } catch (err) {
          log.error('sns subscription confirmation failed', { error: err });
          return sendJson(res, 502, { error: 'confirmation failed' });
        }
        log.info('sns subscription confirmed');
        return sendJson(res, 200, { confirmed: true });
      }
      if (message.Type !== 'Notification') return sendJson(res, 200, { ignored: message.Type });

      const seenKey = `sns:${message.MessageId}`;
      if (!(await deps.store.claimMessage(seenKey))) {
        log.info('sns message already handled (a retry)');
        return sendJson(res, 200, { duplicate: true });
      }
      let receipt: AlarmReceipt;
      try {
        receipt = await receiveAlarm(deps.workflows, message.Message, {
          topicArn: message.TopicArn,
          messageId: message.MessageId,
        });
      } catch (err) {
        // Let SNS deliver it again rather than lose the alarm.
        await deps.store.releaseMessage(seenKey);
        log.error('alarm handling failed', { error: err });
        return sendJson(res, 500, { error: 'alarm handling failed' });
      }
      if (receipt.kind === 'not_an_alarm') {
        log.warn('sns notification is not a CloudWatch alarm', { problem: receipt.problem });
        return sendJson(res, 400, { error: receipt.problem });
      }
      if (receipt.kind === 'no_service') {
        log.info('alarm for no configured service: ignored', { alarm: receipt.alarm });
        return sendJson(res, 200, { ignored: 'no service' });
      }
      return sendJson(res, 200, { ok: true });
    },
  };
}
