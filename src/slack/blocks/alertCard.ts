/** The alert card (and the offer under other tools' alert messages): what fired, what is live, the way back. */
import type { AlertView } from '../../ports.js';
import { type Block, code, context, escapeMrkdwn as esc, fields, header, section, slackDate } from './kit.js';
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
      view.served.map((s) => `*${s.environment}*\n${s.modelVersion ? code(s.modelVersion) : '_unreadable_'}`),
    ),
    section(
      lkg
        ? `*Last known good:* ${code(lkg.iteration)}`
        : '*Last known good:* none found: no safe target older than the live model',
    ),
  ];
  const buttons: unknown[] = [];
  if (lkg) {
    buttons.push({
      type: 'button',
      action_id: OPEN_MODAL_ACTION,
      style: 'danger',
      text: { type: 'plain_text', text: `Request rollback to ${lkg.version}` },
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
    text: { type: 'plain_text', text: 'Show versions' },
    value: view.service,
  });
  blocks.push({ type: 'actions', elements: buttons } as Block);
  return blocks;
}

export function alertCard(view: AlertView): { text: string; blocks: Block[] } {
  const a = view.alarm;
  const title = `${HEADLINES[view.headline].replace(/^:[a-z_]+: /, '')}: ${a.name}`;
  return {
    text: `${esc(title)} (${view.service})`,
    blocks: [
      header(`${view.headline === 'resolved' ? '✅' : '🚨'} ${title}`),
      section(
        `*${view.service}* · state *${esc(a.state)}* · ${slackDate(a.at)}\n${esc(a.reason)}${a.description ? `\n_${esc(a.description)}_` : ''}`,
      ),
      ...alertOffer(view),
      context(
        `${a.metric ? `Metric: ${esc(a.metric)} · ` : ''}Later changes of this alarm are replies in this thread.`,
      ),
    ],
  };
}
