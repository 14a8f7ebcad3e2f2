/** `/rollback status`: what each environment serves against what the base branch configures. */
import { describeHealthError, type HealthResult } from '../../adapters/healthcheck.js';
import type { RollbackRequest } from '../../domain/request.js';
import type { ServiceStatus } from '../../workflows/serviceStatus.js';
import {
  type Block,
  code,
  context,
  divider,
  escapeMrkdwn as esc,
  fields,
  header,
  section,
  slackDate,
} from './kit.js';
import { type EnvLine, progressLines } from './progress.js';

export function environmentLine(r: HealthResult, phase: string): string {
  const where = `*${r.environment}* _(${phase === 'merge' ? 'from main' : 'from PRs'})_`;
  if (!r.ok) return `${where}\n:warning: ${describeHealthError(r.error)}`;
  const health = r.healthy ? ':large_green_circle: healthy' : ':red_circle: unhealthy';
  return `${where}\n${code(r.modelVersion)}\n${health} · ${r.latencyMs} ms`;
}

export function unavailableBlock(unavailable: readonly string[]): Block[] {
  if (unavailable.length === 0) return [];
  return [
    section(
      `:warning: *Could not read:*\n${unavailable.map((u) => `• ${esc(u)}`).join('\n')}\nShowing what could be read.`,
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
      `*Active rollbacks*\n${active
        .map(
          (r) =>
            `*${r.id}* → ${code(r.plan.targetIteration ?? r.plan.targetVersion)} · ${r.state.replace(/_/g, ' ')}${
              progressLines(r, environments, consecutiveReads).length
                ? `\n${progressLines(r, environments, consecutiveReads).join('\n')}`
                : ''
            }`,
        )
        .join('\n\n')}`,
    ),
  ];
}

export function statusMessage(
  status: ServiceStatus,
  active: readonly RollbackRequest[] = [],
  consecutiveReads = 2,
): { text: string; blocks: Block[] } {
  const { service } = status;
  const envLines = status.environments.map((r, i) =>
    environmentLine(r, service.environments[i]?.deployPhase ?? ''),
  );

  const configured = status.configured.ok
    ? status.configuredVersion
      ? `*Configured on ${status.configured.value.branch}:* ${code(status.configuredVersion)} → CI deploys ${
          status.configuredResolvesTo ? code(status.configuredResolvesTo) : '_nothing: no model.zip matches_'
        } (<${status.configured.value.htmlUrl}|${service.configPath}>)`
      : `*Configured on ${status.configured.value.branch}:* unreadable`
    : '*Configured:* unknown (GitHub could not be read)';

  // Drift notes quote what the healthchecks answered: outside text, so escaped like a person's note.
  const drift =
    status.drift.length > 0
      ? `:rotating_light: *Mismatch*\n${status.drift.map((d) => `• ${esc(d)}`).join('\n')}`
      : status.configured.ok && status.configuredVersion
        ? ':white_check_mark: Every environment serves what it should.'
        : '';

  const lkg = status.lastKnownGood;
  const lkgLine = lkg?.iteration
    ? `*Last known good:* ${code(lkg.iteration.name)} (passed; reached ${Object.keys(lkg.iteration.reached).join(', ')})\nRoll back with ${code(`/rollback to previous ${service.name}`)}`
    : status.catalog.ok
      ? '*Last known good:* none: no safe target older than the live model'
      : '*Last known good:* unknown (the bucket could not be read)';

  const live = status.live
    ? `Live model ${code(status.live.iteration ?? status.live.version)} ${
        status.live.source === 'healthcheck'
          ? `(${status.live.environment} healthcheck)`
          : '(from the config: production unreadable)'
      }`
    : 'Live model unknown';

  const blocks: Block[] = [
    header(`${service.name}: status`),
    ...unavailableBlock(status.unavailable),
    fields(envLines),
    section(configured),
    ...(drift ? [section(drift)] : []),
    ...activeRollbacks(
      active,
      service.environments.map((e) => ({ name: e.name, deployPhase: e.deployPhase })),
      consecutiveReads,
    ),
    divider(),
    section(lkgLine),
    context(`${live} · read ${slackDate(new Date())}`),
  ];
  // The notification text is mrkdwn too: a healthcheck's answer must not ping the channel from there.
  const text = `${service.name}: ${status.environments
    .map((r) => `${r.environment} ${r.ok ? esc(r.modelVersion) : 'unreadable'}`)
    .join(', ')}${status.drift[0] ? ` — ${esc(status.drift[0])}` : ''}`;
  return { text, blocks };
}
