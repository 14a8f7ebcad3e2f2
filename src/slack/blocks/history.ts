/** `/rollback history`: past requests, newest first. */
import { BOT_REQUESTER, type RollbackRequest } from '../../domain/request.js';
import { type Block, context, header, MAX_BLOCKS, message, packSections } from './kit.js';
import { code, date, joinMd, link, type Mrkdwn, md, mention } from './mrkdwn.js';

function duration(from: Date, to: Date): string {
  const minutes = Math.round((to.getTime() - from.getTime()) / 60_000);
  return minutes < 90 ? `${minutes} min` : `${Math.round(minutes / 6) / 10} h`;
}

export function historyLine(r: RollbackRequest, now: Date): Mrkdwn {
  const live = r.plan.from.at(-1)?.modelVersion ?? r.plan.configuredVersion ?? '?';
  const people = [
    md`asked by ${r.requester === BOT_REQUESTER ? 'rollback-bot (on alarm)' : mention(r.requester)}`,
  ];
  if (r.approvals.length)
    people.push(
      md`approved by ${joinMd(
        r.approvals.map((a) => mention(a.user)),
        ', ',
      )}`,
    );
  if (r.decidedBy) people.push(md`${r.state} by ${mention(r.decidedBy)}`);
  const timing: string[] = [];
  const lastApproval = r.approvals.at(-1);
  if (lastApproval) timing.push(`approved after ${duration(r.createdAt, lastApproval.at)}`);
  if (r.pr) timing.push(`PR after ${duration(r.createdAt, r.pr.openedAt)}`);
  if (r.completedAt) timing.push(`verified after ${duration(r.createdAt, r.completedAt)}`);
  else if (!['rejected', 'cancelled', 'expired', 'refused', 'completed', 'abandoned'].includes(r.state)) {
    timing.push(`open for ${duration(r.createdAt, now)}`);
  }
  return joinMd(
    [
      md`*${r.id}* · ${date(r.createdAt)} · *${r.state.replace(/_/g, ' ')}*${r.force ? ' · break-glass' : ''}`,
      md`${code(live)} → ${code(r.plan.targetIteration ?? r.plan.targetVersion)} · ${code(r.reason)}${r.note ? md` · ${r.note}` : ''}`,
      md`${joinMd(people, ' · ')}${r.pr ? md` · ${link(r.pr.url, `PR #${r.pr.number}`)}` : ''}${timing.length ? md` · ${timing.join(', ')}` : ''}`,
    ],
    '\n',
  );
}

export function historyMessage(service: string, requests: readonly RollbackRequest[], now: Date) {
  const blocks: Block[] = [header(`${service}: rollback history`)];
  if (requests.length === 0) blocks.push(context(md`No rollback requests yet.`));
  else
    blocks.push(
      ...packSections(
        requests.map((r) => historyLine(r, now)),
        MAX_BLOCKS - 2,
      ),
    );
  blocks.push(context(md`${requests.length} most recent, newest first`));
  return message(md`${service}: ${requests.length} rollback requests`, blocks);
}
