/** The alert card (and the offer under other tools' alert messages): what fired, what is live, the way back. */
import type { AlertView } from '../../ports/slack.js';
import { type Block, context, fields, header, message, plain, type SlackMessage, section } from './kit.js';
import { code, date, md } from './mrkdwn.js';
import { OPEN_MODAL_ACTION } from './requestModal.js';

export const SHOW_VERSIONS_ACTION = 'rollback_show_versions';

const HEADLINES: Record<AlertView['headline'], string> = {
  firing: ':rotating_light: Firing',
  firing_again: ':rotating_light: Firing again',
  resolved: ':white_check_mark: Resolved',
  insufficient_data: ':grey_question: Insufficient data',
};

export function alertOffer(view: AlertView): Block[] {
  const lkg = view.lastKnownGood;
  const blocks: Block[] = [
    fields(
      view.served.map(
        (s) => md`*${s.environment}*\n${s.modelVersion ? code(s.modelVersion) : md`_unreadable_`}`,
      ),
    ),
    section(
      lkg
        ? md`*Last known good:* ${code(lkg.iteration)}`
        : md`*Last known good:* none found: no safe target older than the live model`,
    ),
  ];
  const buttons: unknown[] = [];
  if (lkg) {
    buttons.push({
      type: 'button',
      action_id: OPEN_MODAL_ACTION,
      style: 'danger',
      text: plain(`Request rollback to ${lkg.version}`, 75),
      value: JSON.stringify({
        service: view.service,
        version: lkg.version,
        reason: 'PERFORMANCE_DEGRADATION',
        alarmKey: view.threadKey,
      }),
    });
  }
  buttons.push({
    type: 'button',
    action_id: SHOW_VERSIONS_ACTION,
    text: plain('Show versions', 75),
    value: view.service,
  });
  blocks.push({ type: 'actions', elements: buttons } as Block);
  return blocks;
}

export function alertCard(view: AlertView): SlackMessage {
  const a = view.alarm;
  const title = `${HEADLINES[view.headline].replace(/^:[a-z_]+: /, '')}: ${a.name}`;
  return message(md`${title} (${view.service})`, [
    header(`${view.headline === 'resolved' ? '✅' : '🚨'} ${title}`),
    section(
      md`*${view.service}* · state *${a.state}* · ${date(a.at)}\n${a.reason}${a.description ? md`\n_${a.description}_` : ''}`,
    ),
    ...alertOffer(view),
    context(
      md`${a.metric ? md`Metric: ${a.metric} · ` : ''}Later changes of this alarm are replies in this thread.`,
    ),
  ]);
}
