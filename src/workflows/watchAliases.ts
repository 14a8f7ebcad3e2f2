/**
 * MLflow keeps no history of an alias, and "has reached production" for a registry means "has been the
 * alias's version". Each tracking round (background lease holder only, so once across replicas) reads
 * every registry service's alias; a version the bot has not seen there before is recorded, in its
 * database and as version tags (`rollback_bot.<alias>_since` on it, `_until` on the one before), so the
 * history survives a new database and people see it in MLflow. Moves the bot makes record themselves
 * (moveAlias.ts); this catches releases and moves made by hand.
 */
import type { ServiceConfig } from '../config/botConfig.js';
import { sinceTag, untilTag } from '../domain/registry.js';
import type { WorkflowDeps } from './deps.js';
import { noticeAliasMoved } from './pin.js';

export async function watchAliases(deps: WorkflowDeps): Promise<void> {
  for (const service of deps.config.services) {
    if (!service.mlflow) continue;
    await watchOne(deps, service).catch((err) =>
      deps.log.warn('reading an MLflow alias failed', { service: service.name, error: err }),
    );
  }
}

async function watchOne(deps: WorkflowDeps, service: ServiceConfig): Promise<void> {
  const m = service.mlflow;
  const registry = deps.status.registries?.of(service);
  if (!m || !registry) return;
  const read = await registry.getAliasVersion(m.model, m.alias);
  if (!read.ok) {
    deps.log.warn('reading an MLflow alias failed', { service: service.name, problem: read.problem });
    return;
  }
  const version = read.value?.version;
  if (!version) return;
  await noticeAliasMoved(deps, service, m.alias, version);
  const history = await deps.store.aliasHistory(service.name, m.alias);
  if (history.has(version)) return;
  const now = deps.now();
  // The version the alias pointed to before: the latest recorded (the bot's own moves included).
  const previous = [...history.entries()].sort((a, b) => b[1].getTime() - a[1].getTime())[0]?.[0];
  await deps.store.recordAliasVersion(service.name, m.alias, version, now);
  const at = now.toISOString();
  // Tags already there (a backfill, another bot's record) are the better history: never overwritten.
  if (read.value?.tags[sinceTag(m.alias)] === undefined) {
    await tagOrWarn(deps, service, version, sinceTag(m.alias), at);
  }
  if (previous) await tagOrWarn(deps, service, previous, untilTag(m.alias), at);
  deps.log.info('recorded a new alias version', { service: service.name, alias: m.alias, version, previous });
}

async function tagOrWarn(
  deps: WorkflowDeps,
  service: ServiceConfig,
  version: string,
  key: string,
  value: string,
): Promise<void> {
  const m = service.mlflow;
  const registry = deps.status.registries?.of(service);
  if (!m || !registry) return;
  const tagged = await registry.setVersionTag(m.model, version, key, value);
  if (!tagged.ok)
    deps.log.warn('tagging an MLflow version failed', { service: service.name, problem: tagged.problem });
}
