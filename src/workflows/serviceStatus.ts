/**
 * Gathers one service's picture from its three sources at once: healthchecks, the config file on the
 * base branch, and the bucket. A source that fails is reported by name; the others are still shown.
 */

import type { ServiceConfig } from '../config/botConfig.js';
import { type BucketObject, type Catalog, catalogBuilder } from '../domain/iterations.js';
import {
  driftNotes,
  type LiveModel,
  liveModel,
  type Served,
  type VersionRow,
  versionRowOf,
  versionRows,
} from '../domain/overview.js';
import { MAX_MARKER_BYTES, parseRolledBackObject, type RolledBackMark } from '../domain/rolledBack.js';
import { type Assessment, lastKnownGood, resolveLikeCi, type TargetRules } from '../domain/targets.js';
import type { ConfiguredState } from '../ports/github.js';
import type { HealthResult, StatusDeps } from '../ports/models.js';
import { yieldToIo } from '../support/sharedCalls.js';
import { aliasAsConfigured, readRegistry } from './registryStatus.js';

export type Sourced<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problem: string };

export interface ServiceStatus {
  readonly service: ServiceConfig;
  readonly environments: readonly HealthResult[];
  readonly configured: Sourced<ConfiguredState>;
  readonly catalog: Sourced<Catalog>;
  /** The configured version, when the file could be read and has the key. */
  readonly configuredVersion?: string;
  /** The iteration CI resolves the configured version to. */
  readonly configuredResolvesTo?: string;
  readonly live?: LiveModel;
  readonly drift: readonly string[];
  readonly lastKnownGood?: Assessment;
  readonly rules: TargetRules;
  /** One line per source that could not be read, naming it. */
  readonly unavailable: readonly string[];
  /** S3: what the rolled-back markers say (who, which request), by iteration; read for the newest few. */
  readonly rolledBackMarks?: ReadonlyMap<string, RolledBackMark>;
}

const settle = async <T>(p: Promise<T>): Promise<Sourced<T>> => {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return { ok: false, problem: (err as Error).message ?? String(err) };
  }
};

export function servedFrom(service: ServiceConfig, results: readonly HealthResult[]): Served[] {
  return service.environments.map((env, i) => {
    const r = results[i];
    return {
      environment: env.name,
      deployPhase: env.deployPhase,
      modelVersion: r?.ok ? r.modelVersion : undefined,
      healthy: r?.ok ? r.healthy : undefined,
    };
  });
}

/** Catalogs already built, per listing (the bucket adapter keeps a listing while it is fresh). */
const catalogs = new WeakMap<readonly BucketObject[], Map<string, Promise<Catalog>>>();
/** Objects folded into a catalog between two yields to the event loop (about a millisecond of work). */
const CATALOG_SLICE = 2000;

/**
 * The service's bucket as a catalog of iterations: built once per listing and shared by every command
 * until the listing expires, in slices so other Slack requests are acknowledged meanwhile.
 */
export async function loadCatalog(bucket: StatusDeps['bucket'], service: ServiceConfig): Promise<Catalog> {
  const objects = await bucket.list(service.bucket, service.prefix, {
    region: service.awsRegion,
    roleArn: service.awsRoleArn,
  });
  let perService = catalogs.get(objects);
  if (!perService) {
    perService = new Map();
    catalogs.set(objects, perService);
  }
  let catalog = perService.get(service.name);
  if (!catalog) {
    catalog = buildInSlices(objects, service);
    perService.set(service.name, catalog);
  }
  return catalog;
}

async function buildInSlices(objects: readonly BucketObject[], service: ServiceConfig): Promise<Catalog> {
  const builder = catalogBuilder({
    prefix: service.prefix,
    naming: service.naming,
    environments: service.environments.map((e) => e.name),
    rolledBackObject: service.rolledBackObject,
  });
  for (let i = 0; i < objects.length; i += CATALOG_SLICE) {
    builder.add(objects.slice(i, i + CATALOG_SLICE));
    await yieldToIo();
  }
  const steps = builder.finishSteps();
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await yieldToIo();
  }
}

/**
 * The catalog and the configured state, from wherever the service keeps them: the bucket or the
 * registry for versions, the config file or the registry's alias for what is configured.
 */
async function readSources(deps: StatusDeps, service: ServiceConfig) {
  const fromFile = () => settle(deps.configRepo.readConfigured(service));
  if (service.source !== 'mlflow') {
    const [configured, catalog] = await Promise.all([fromFile(), settle(loadCatalog(deps.bucket, service))]);
    return { configured, catalog, marked: new Set<string>() };
  }
  const [registry, file] = await Promise.all([
    readRegistry(deps, service, new Date()),
    service.action === 'config_pr' ? fromFile() : undefined,
  ]);
  return {
    configured: file ?? aliasAsConfigured(service, registry.alias),
    catalog: registry.catalog,
    marked: registry.markedRolledBack,
  };
}

/** Names a source that could not be read, the way an operator finds it. */
function sourceName(service: ServiceConfig, which: 'configured' | 'catalog'): string {
  const m = service.mlflow;
  if (which === 'catalog') return m ? `MLflow model ${m.model}` : `S3 bucket ${service.bucket}`;
  return service.action === 'registry_alias' && m
    ? `MLflow alias ${m.alias} of ${m.model}`
    : `GitHub (${service.repo.owner}/${service.repo.name})`;
}

/** Markers read at most per status (the newest marked versions: what `versions` shows). */
const MAX_MARKERS_READ = 20;

/**
 * What the newest rolled-back markers of a bucket say (the listing only tells that one exists). Each is
 * read once and kept by the bucket adapter; one that cannot be read still marks its iteration, without
 * the request's name.
 */
async function readMarks(
  deps: StatusDeps,
  service: ServiceConfig,
  catalog: Catalog,
): Promise<ReadonlyMap<string, RolledBackMark>> {
  const marked = catalog.versions
    .flatMap((v) => catalog.iterationsByVersion.get(v) ?? [])
    .filter((i) => i.rolledBack)
    .slice(0, MAX_MARKERS_READ);
  if (marked.length === 0) return new Map();
  const object = service.rolledBackObject ?? 'rolled_back';
  const access = { region: service.awsRegion, roleArn: service.awsRoleArn };
  const read = await Promise.all(
    marked.map(async (i) => {
      const key = `${service.prefix}${i.name}/${object}`;
      const text = await deps.bucket
        .readSmall(service.bucket, key, MAX_MARKER_BYTES, access)
        .catch(() => undefined);
      return [
        i.name,
        text === undefined ? i.rolledBack : parseRolledBackObject(text, i.rolledBack?.at),
      ] as const;
    }),
  );
  return new Map(read.filter((r): r is [string, RolledBackMark] => r[1] !== undefined));
}

export async function getServiceStatus(deps: StatusDeps, service: ServiceConfig): Promise<ServiceStatus> {
  const [environments, { configured, catalog, marked }, recorded] = await Promise.all([
    deps.healthchecks.readAll(service.environments),
    readSources(deps, service),
    deps.rolledBackFrom
      ? deps.rolledBackFrom(service.name).catch(() => new Set<string>())
      : new Set<string>(),
  ]);
  const rolledBack = marked.size > 0 ? new Set([...recorded, ...marked]) : recorded;
  const rolledBackMarks =
    service.source !== 'mlflow' && catalog.ok ? await readMarks(deps, service, catalog.value) : undefined;

  const unavailable: string[] = [];
  if (!configured.ok) unavailable.push(`${sourceName(service, 'configured')}: ${configured.problem}`);
  if (!catalog.ok) unavailable.push(`${sourceName(service, 'catalog')}: ${catalog.problem}`);
  const failing = environments.filter((e) => !e.ok).map((e) => e.environment);
  if (failing.length > 0) unavailable.push(`healthcheck of ${failing.join(', ')}`);

  const configuredVersion =
    configured.ok && configured.value.version.ok ? configured.value.version.version : undefined;
  if (configured.ok && !configured.value.version.ok) {
    const where =
      service.action === 'registry_alias'
        ? `MLflow ${service.mlflow?.model}`
        : `${service.configPath} on ${configured.value.branch}`;
    unavailable.push(`${where}: ${configured.value.version.problem}`);
  }
  const configuredResolvesTo =
    configuredVersion && catalog.ok ? resolveLikeCi(catalog.value, configuredVersion)?.directory : undefined;
  const served = servedFrom(service, environments);
  const live = liveModel(served, configuredVersion, service.naming);
  const rules: TargetRules = {
    promotedEnvironments: service.promotedEnvironments,
    liveVersion: live?.version,
  };
  const drift = configured.ok
    ? driftNotes(
        served,
        { branch: configured.value.branch, version: configuredVersion, resolvesTo: configuredResolvesTo },
        service.naming,
      )
    : [];
  return {
    service,
    environments,
    configured,
    catalog,
    configuredVersion,
    configuredResolvesTo,
    live,
    drift,
    lastKnownGood: catalog.ok
      ? lastKnownGood(catalog.value, { ...rules, rolledBackFrom: rolledBack })
      : undefined,
    rules,
    unavailable,
    rolledBackMarks,
  };
}

/** The version table, newest first; `limit` rows at most (what a message shows). */
export function versionTable(status: ServiceStatus, limit?: number): VersionRow[] {
  if (!status.catalog.ok) return [];
  const catalog = status.catalog.value;
  const rows = versionRows(
    catalog,
    servedFrom(status.service, status.environments),
    status.configuredVersion,
    status.rules,
    status.service.naming,
    limit,
  );
  const marks = status.rolledBackMarks;
  if (!marks?.size) return rows;
  // What the markers say (who, which request), where the listing only told that one exists.
  return rows.map((row) => {
    if (!row.rolledBack) return row;
    const iteration = catalog.iterationsByVersion.get(row.version)?.find((i) => i.rolledBack);
    const read = iteration ? marks.get(iteration.name) : undefined;
    return read ? { ...row, rolledBack: read } : row;
  });
}

/** The newest `max` safe rollback targets (the request form's choices), assessing no more than needed. */
export function safeTargets(status: ServiceStatus, max: number): VersionRow[] {
  if (!status.catalog.ok) return [];
  const row = versionRowOf(
    status.catalog.value,
    servedFrom(status.service, status.environments),
    status.configuredVersion,
    status.rules,
    status.service.naming,
  );
  const found: VersionRow[] = [];
  for (const version of status.catalog.value.versions) {
    const candidate = row(version);
    if (candidate.assessment.safe) found.push(candidate);
    if (found.length >= max) break;
  }
  return found;
}

/** How many versions the bucket holds (for "10 of 4,281 versions"). */
export const versionCount = (status: ServiceStatus): number =>
  status.catalog.ok ? status.catalog.value.versions.length : 0;
