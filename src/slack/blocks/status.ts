/** `/rollback status`: what each environment serves against what the base branch configures. */

import { isPinned, PIN_CHECK, type Pin } from '../../domain/pin.js';
import type { RollbackRequest } from '../../domain/request.js';
import type { HealthResult } from '../../ports/models.js';
import { describeHealthError } from '../../words/health.js';
import type { ServiceStatus } from '../../workflows/serviceStatus.js';
import { type Block, context, divider, fields, header, message, type SlackMessage, section } from './kit.js';
import { code, date, EMPTY, joinMd, link, type Mrkdwn, md } from './mrkdwn.js';
import { type EnvLine, progressLines } from './progress.js';

export function environmentLine(r: HealthResult, phase: string, alias?: string): Mrkdwn {
  const from = alias ? `follows ${alias}` : phase === 'merge' ? 'from main' : 'from PRs';
  const where = md`*${r.environment}* _(${from})_`;
  if (!r.ok) return md`${where}\n:warning: ${describeHealthError(r.error)}`;
  const health = r.healthy ? ':large_green_circle: healthy' : ':red_circle: unhealthy';
  return md`${where}\n${code(r.modelVersion)}\n${health} · ${r.latencyMs} ms`;
}

export function unavailableBlock(unavailable: readonly string[]): Block[] {
  if (unavailable.length === 0) return [];
  return [
    section(
      md`:warning: *Could not read:*\n${joinMd(
        unavailable.map((u) => `• ${u}`),
        '\n',
      )}\nShowing what could be read.`,
    ),
  ];
}

export function activeRollbacks(
  active: readonly RollbackRequest[],
  environments: readonly EnvLine[],
  consecutiveReads: number,
): Block[] {
  if (active.length === 0) return [];
  return [
    section(
      md`*Active rollbacks*\n${joinMd(
        active.map((r) => {
          const progress = progressLines(r, environments, consecutiveReads);
          return md`*${r.id}* → ${code(r.plan.targetIteration ?? r.plan.targetVersion)} · ${r.state.replace(/_/g, ' ')}${
            progress.length ? md`\n${joinMd(progress, '\n')}` : ''
          }`;
        }),
        '\n\n',
      )}`,
    ),
  ];
}

/**
 * "Pinned at 1.25.0 by R-7KQ2 (reason), since …, until unpinned", and for an alias service whose alias
 * moved away from the pin, where it is now.
 */
export function pinBlock(pin: Pin | undefined, status: ServiceStatus, alias?: string): Block[] {
  if (!isPinned(pin)) return [];
  const service = status.service.name;
  const lines: Mrkdwn[] = [
    md`:pushpin: *Pinned at ${code(pin.version)}* by ${pin.requestId} (${pin.reason}), since ${date(pin.pinnedAt)}, until unpinned${
      pin.threadLink ? md` (${link(pin.threadLink, 'thread')})` : ''
    }. Open PRs setting another version fail ${code(PIN_CHECK)}; an approver unpins with ${code(`/rollback unpin ${service} <note>`)}.`,
  ];
  if (alias && status.configuredVersion && status.configuredVersion !== pin.version) {
    lines.push(
      md`:warning: ${code(alias)} moved to ${code(status.configuredVersion)} while pinned at ${code(pin.version)}.`,
    );
  }
  return [section(joinMd(lines, '\n'))];
}

export function statusMessage(
  status: ServiceStatus,
  active: readonly RollbackRequest[] = [],
  consecutiveReads = 2,
  pin?: Pin,
): SlackMessage {
  const { service } = status;
  const alias = service.action === 'registry_alias' ? service.mlflow?.alias : undefined;
  const envLines = status.environments.map((r, i) =>
    environmentLine(r, service.environments[i]?.deployPhase ?? '', alias),
  );

  const page = status.configured.ok ? status.configured.value.htmlUrl : '';
  const configured = alias
    ? status.configuredVersion
      ? md`*Alias ${code(alias)} of ${page ? link(page, service.mlflow?.model ?? '') : code(service.mlflow?.model ?? '')}:* ${code(status.configuredVersion)}`
      : md`*Alias ${code(alias)}:* ${status.configured.ok ? 'not set' : 'unknown (MLflow could not be read)'}`
    : status.configured.ok
      ? status.configuredVersion
        ? md`*Configured on ${status.configured.value.branch}:* ${code(status.configuredVersion)} → CI deploys ${
            status.configuredResolvesTo
              ? code(status.configuredResolvesTo)
              : md`_nothing: no model.zip matches_`
          } (${link(status.configured.value.htmlUrl, service.configPath)})`
        : md`*Configured on ${status.configured.value.branch}:* unreadable`
      : md`*Configured:* unknown (GitHub could not be read)`;

  // Drift notes quote what the healthchecks answered: outside text, escaped by md like a person's note.
  const drift =
    status.drift.length > 0
      ? md`:rotating_light: *Mismatch*\n${joinMd(
          status.drift.map((d) => `• ${d}`),
          '\n',
        )}`
      : status.configured.ok && status.configuredVersion
        ? md`:white_check_mark: Every environment serves what it should.`
        : EMPTY;

  const lkg = status.lastKnownGood;
  const lkgLine = lkg?.iteration
    ? md`*Last known good:* ${code(lkg.iteration.name)} (passed; reached ${Object.keys(lkg.iteration.reached).join(', ')})\nRoll back with ${code(`/rollback to previous ${service.name}`)}`
    : status.catalog.ok
      ? md`*Last known good:* none: no safe target older than the live model`
      : md`*Last known good:* unknown (${service.mlflow ? 'MLflow' : 'the bucket'} could not be read)`;

  const live = status.live
    ? md`Live model ${code(status.live.iteration ?? status.live.version)} ${
        status.live.source === 'healthcheck'
          ? `(${status.live.environment} healthcheck)`
          : '(from the config: production unreadable)'
      }`
    : md`Live model unknown`;

  const blocks: Block[] = [
    header(`${service.name}: status`),
    ...unavailableBlock(status.unavailable),
    fields(envLines),
    section(configured),
    ...pinBlock(pin, status, alias),
    ...(drift.text ? [section(drift)] : []),
    ...activeRollbacks(
      active,
      service.environments.map((e) => ({ name: e.name, deployPhase: e.deployPhase })),
      consecutiveReads,
    ),
    divider(),
    section(lkgLine),
    context(md`${live} · read ${date(new Date())}`),
  ];
  // The notification text is mrkdwn too: a healthcheck's answer must not ping the channel from there.
  const text = md`${service.name}: ${joinMd(
    status.environments.map((r) => `${r.environment} ${r.ok ? r.modelVersion : 'unreadable'}`),
    ', ',
  )}${status.drift[0] ? md` — ${status.drift[0]}` : ''}`;
  return message(text, blocks);
}
