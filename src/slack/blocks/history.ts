/** `/rollback history`: past requests, newest first. */
import { BOT_REQUESTER, type RollbackRequest } from '../../domain/request.js';
import {
  type Block,
  code,
  context,
  escapeMrkdwn,
  header,
  MAX_BLOCKS,
  packSections,
  slackDate,
} from './kit.js';

function duration(from: Date, to: Date): string {
  const minutes = Math.round((to.getTime() - from.getTime()) / 60_000);
  return minutes < 90 ? `${minutes} min` : `${Math.round(minutes / 6) / 10} h`;
}

export function historyLine(r: RollbackRequest, now: Date): string {
  const live = r.plan.from.at(-1)?.modelVersion ?? r.plan.configuredVersion ?? '?';
  const people = [
    `asked by ${r.requester === BOT_REQUESTER ? 'rollback-bot (on alarm)' : `<@${r.requester}>`}`,
  ];
  if (r.approvals.length) people.push(`approved by ${r.approvals.map((a) => `<@${a.user}>`).join(', ')}`);
  if (r.decidedBy) people.push(`${r.state} by <@${r.decidedBy}>`);
  const timing: string[] = [];
  const lastApproval = r.approvals.at(-1);
  if (lastApproval) timing.push(`approved after ${duration(r.createdAt, lastApproval.at)}`);
  if (r.pr) timing.push(`PR after ${duration(r.createdAt, r.pr.openedAt)}`);
  if (r.completedAt) timing.push(`verified after ${duration(r.createdAt, r.completedAt)}`);
  else if (!['rejected', 'cancelled', 'expired', 'refused', 'completed', 'abandoned'].includes(r.state)) {
    timing.push(`open for ${duration(r.createdAt, now)}`);
  }
  return [
    `*${r.id}* · ${slackDate(r.createdAt)} · *${r.state.replace(/_/g, ' ')}*${r.force ? ' · break-glass' : ''}`,
    `${code(live)} → ${code(r.plan.targetIteration ?? r.plan.targetVersion)} · ${code(r.reason)}${r.note ? ` · ${escapeMrkdwn(r.note)}` : ''}`,
    `${people.join(' · ')}${r.pr ? ` · <${r.pr.url}|PR #${r.pr.number}>` : ''}${timing.length ? ` · ${timing.join(', ')}` : ''}`,
  ].join('\n');
}

export function historyMessage(service: string, requests: readonly RollbackRequest[], now: Date) {
  const blocks: Block[] = [header(`${service}: rollback history`)];
  if (requests.length === 0) blocks.push(context('No rollback requests yet.'));
  else
    blocks.push(
      ...packSections(
        requests.map((r) => historyLine(r, now)),
        MAX_BLOCKS - 2,
      ),
    );
  blocks.push(context(`${requests.length} most recent, newest first`));
  return { text: `${service}: ${requests.length} rollback requests`, blocks };
}
