/**
 * The Home tab: per service the person may see, what each environment serves, what is configured, the
 * last known good target, the pin, the active request with its checklist and buttons, and the last five
 * rollbacks with their time to restore. At most 100 blocks (views.publish): 15 services a page, six
 * blocks each at most, and with more services a picker and page buttons.
 */
import type { RollbackRequest } from '../../domain/request.js';
import type { HomeData, HomeService, PinLine } from '../../workflows/home.js';
import { type Block, context, divider, fields, header, plain, section } from './kit.js';
import { channel, code, date, joinMd, type Mrkdwn, md } from './mrkdwn.js';
import { checkLines } from './plan.js';
import { progressLines } from './progress.js';
import { requestButtons, STATE_LINE } from './requestCard.js';
import { OPEN_MODAL_ACTION } from './requestModal.js';

export const HOME_ACTIONS = {
  refresh: 'rollback_home_refresh',
  page: 'rollback_home_page',
  pick: 'rollback_home_pick',
  unpin: 'rollback_home_unpin',
} as const;

/** The "read at" line: left out of the hash, so a view that only got older is not published again. */
export const HOME_AS_OF_BLOCK = 'home_as_of';
export const MAX_HOME_BLOCKS = 100;

export interface HomeView {
  readonly type: 'home';
  readonly blocks: Block[];
}

/** "12 min", "1 h 5 min", "40 s": from the request to the target served everywhere. */
export function timeToRestore(r: RollbackRequest): string | undefined {
  if (r.state !== 'completed' || !r.completedAt) return undefined;
  const s = Math.max(0, Math.round((r.completedAt.getTime() - r.createdAt.getTime()) / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.round(s / 60);
  return min < 60 ? `${min} min` : `${Math.floor(min / 60)} h ${min % 60} min`;
}

const target = (r: RollbackRequest) => r.plan.targetIteration ?? r.plan.targetVersion;
const stateWords = (r: RollbackRequest) => STATE_LINE[r.state].replace(/^:[a-z_]+: /, '');

function pinLine(pin: PinLine): Mrkdwn {
  // The words of status and the card: "pinned at 1.25.0 by R-xxxx (reason), since …, until unpinned".
  return md`:pushpin: *Pinned at* ${code(pin.version)}${pin.by ? md` by ${pin.by}` : ''}${
    pin.reason ? md` (${pin.reason})` : ''
  }${pin.at ? md`, since ${date(pin.at)}` : ''}, until ${pin.until ? date(pin.until) : 'unpinned'}`;
}

function summary(s: HomeService): Mrkdwn {
  const { service, status } = s;
  const lines: Mrkdwn[] = [md`*${service.name}* · ${channel(service.channel)}`];
  if (!status) {
    lines.push(md`:warning: Could not read its status: ${s.problem ?? 'unknown error'}`);
    return joinMd(lines, '\n');
  }
  if (status.unavailable.length > 0)
    lines.push(md`:warning: Could not read: ${joinMd(status.unavailable, '; ')}`);
  const alias = service.action === 'registry_alias' ? service.mlflow?.alias : undefined;
  lines.push(
    status.configuredVersion
      ? alias
        ? md`*Configured:* alias ${code(alias)} → ${code(status.configuredVersion)}`
        : md`*Configured:* ${code(status.configuredVersion)}${
            status.configuredResolvesTo ? md` → CI deploys ${code(status.configuredResolvesTo)}` : ''
          }`
      : md`*Configured:* unknown`,
  );
  if (status.drift.length > 0) lines.push(md`:rotating_light: ${status.drift[0] ?? ''}`);
  const lkg = status.lastKnownGood?.iteration;
  lines.push(
    lkg
      ? md`*Last known good:* ${code(lkg.name)}`
      : status.catalog.ok
        ? md`*Last known good:* none older than the live model`
        : md`*Last known good:* unknown`,
  );
  if (s.pin) lines.push(pinLine(s.pin));
  return joinMd(lines, '\n');
}

function environments(s: HomeService): Block[] {
  const status = s.status;
  if (!status || status.environments.length === 0) return [];
  // No latency here: it changes on every read, and the view would never be "unchanged".
  return [
    fields(
      status.environments.map((r) =>
        r.ok
          ? md`*${r.environment}*\n${code(r.modelVersion)} ${r.healthy ? ':large_green_circle:' : ':red_circle:'}`
          : md`*${r.environment}*\n:warning: unreadable`,
      ),
    ),
  ];
}

function activeRequest(s: HomeService, consecutiveReads: number): Block[] {
  const r = s.active;
  if (!r) return [];
  const envs = s.service.environments.map((e) => ({ name: e.name, deployPhase: e.deployPhase }));
  const progress = progressLines(r, envs, consecutiveReads);
  const approvals = `${r.approvals.length} of ${r.approvalsRequired} approvals`;
  return [
    section(
      md`*Active:* ${r.id} → ${code(target(r))} · *${stateWords(r)}* · ${approvals} · card in ${channel(r.channel)}\n${checkLines(r.plan)}${
        progress.length ? md`\n${joinMd(progress, '\n')}` : ''
      }`,
    ),
  ];
}

function serviceButtons(s: HomeService): Block[] {
  const els: unknown[] = s.active ? requestButtons(s.active) : [];
  const lkg = s.status?.lastKnownGood?.iteration;
  if (!s.active && lkg && s.mayRequest) {
    els.push({
      type: 'button',
      action_id: OPEN_MODAL_ACTION,
      style: 'danger',
      text: plain(`Roll back to ${lkg.name}`, 75),
      value: JSON.stringify({ service: s.service.name, version: lkg.version }),
    });
  }
  if (s.pin && s.approver) {
    els.push({
      type: 'button',
      action_id: HOME_ACTIONS.unpin,
      text: plain('Unpin', 75),
      value: s.service.name,
    });
  }
  return els.length
    ? [{ type: 'actions', block_id: `home_svc_${s.service.name}`, elements: els } as Block]
    : [];
}

function history(s: HomeService): Block[] {
  if (s.history.length === 0) return [context(md`No rollbacks yet.`)];
  return [
    context(
      md`*Last ${s.history.length}:* ${joinMd(
        s.history.map((r) => {
          const ttr = timeToRestore(r);
          return md`${date(r.createdAt)} ${r.id} → ${code(target(r))} ${stateWords(r).toLowerCase()}${
            ttr ? md`, restored in ${ttr}` : ''
          }`;
        }),
        ' · ',
      )}`,
    ),
  ];
}

function navigation(data: HomeData): Block {
  const els: unknown[] = [];
  if (data.pages > 1) {
    els.push({
      type: 'static_select',
      action_id: HOME_ACTIONS.pick,
      placeholder: plain('Jump to a service', 150),
      options: data.visible.slice(0, 100).map((name) => ({ text: plain(name, 75), value: name })),
    });
    if (data.page > 0)
      els.push({
        type: 'button',
        action_id: `${HOME_ACTIONS.page}_prev`,
        text: plain('‹ Previous', 75),
        value: String(data.page - 1),
      });
    if (data.page < data.pages - 1)
      els.push({
        type: 'button',
        action_id: `${HOME_ACTIONS.page}_next`,
        text: plain('Next ›', 75),
        value: String(data.page + 1),
      });
  }
  els.push({ type: 'button', action_id: HOME_ACTIONS.refresh, text: plain('Refresh', 75), value: 'refresh' });
  return { type: 'actions', block_id: 'home_nav', elements: els } as Block;
}

export function homeView(data: HomeData, consecutiveReads: number): HomeView {
  const blocks: Block[] = [header('Model rollbacks'), navigation(data)];
  const where =
    data.pages > 1
      ? md`Page ${data.page + 1} of ${data.pages} · ${data.visible.length} services · `
      : md`${data.visible.length} service${data.visible.length === 1 ? '' : 's'} · `;
  blocks.push({ ...context(md`${where}read ${date(data.at)}`), block_id: HOME_AS_OF_BLOCK } as Block);
  if (data.problem) blocks.push(section(md`:warning: ${data.problem}. Try Refresh in a moment.`));
  else if (data.services.length === 0)
    blocks.push(section(md`There is no service you may see here. Ask in a service's channel.`));
  for (const s of data.services) {
    const own = [
      section(summary(s)),
      ...environments(s),
      ...activeRequest(s, consecutiveReads),
      ...serviceButtons(s),
      ...history(s),
      divider(),
    ];
    // Never more than Slack takes: a page that would not fit ends where it is full.
    if (blocks.length + own.length > MAX_HOME_BLOCKS) break;
    blocks.push(...own);
  }
  return { type: 'home', blocks };
}
