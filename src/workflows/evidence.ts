/**
 * Gathers the evidence for the rows a message shows, and for the live model to compare them with: for a
 * registry, each version's run metrics (MLflow `runs/get`) and its page; for a bucket, the iteration's
 * metrics file (when the service names one) and its training commit. Only the rows shown are read, all
 * at once; the adapters keep what they read (a finished run or a written file does not change). A source
 * that fails leaves its rows without metrics and says so once: evidence never blocks an answer.
 */
import type { ServiceConfig } from '../config/botConfig.js';
import {
  commitUrl,
  type Evidence,
  type EvidenceLink,
  parseMetricsFile,
  repoWebUrl,
} from '../domain/evidence.js';
import type { Catalog } from '../domain/iterations.js';
import type { StatusDeps } from '../ports/models.js';
import { registryPage } from './registryStatus.js';
import type { ServiceStatus } from './serviceStatus.js';

export interface EvidenceSet {
  /** By version. */
  readonly rows: ReadonlyMap<string, Evidence>;
  readonly live?: Evidence;
  /** Why metrics are missing, once (the first failure). */
  readonly problem?: string;
  /** The metric names to show, in order (the service's `metrics`; empty: all a row has). */
  readonly keys: readonly string[];
}

const METRICS_FILE_MAX_BYTES = 64 * 1024;

export async function gatherEvidence(
  deps: StatusDeps,
  status: ServiceStatus,
  versions: readonly string[],
): Promise<EvidenceSet> {
  const { service } = status;
  const keys = service.mlflow?.metrics ?? [];
  if (!status.catalog.ok) return { rows: new Map(), keys };
  const catalog = status.catalog.value;
  const repo = status.configured.ok ? repoWebUrl(status.configured.value.htmlUrl) : undefined;
  let problem: string | undefined;
  const one = async (version: string): Promise<Evidence | undefined> => {
    try {
      return await evidenceOf(deps, service, catalog, version, repo);
    } catch (err) {
      problem ??= (err as Error).message;
      return undefined;
    }
  };
  const liveVersion = status.live?.version;
  const wanted = [...new Set([...versions, ...(liveVersion ? [liveVersion] : [])])];
  const found = await Promise.all(wanted.map(async (v) => [v, await one(v)] as const));
  const rows = new Map(found.filter((f): f is [string, Evidence] => f[1] !== undefined));
  return { rows, live: liveVersion ? rows.get(liveVersion) : undefined, problem, keys };
}

async function evidenceOf(
  deps: StatusDeps,
  service: ServiceConfig,
  catalog: Catalog,
  version: string,
  repo: string | undefined,
): Promise<Evidence | undefined> {
  const m = service.mlflow;
  if (m && catalog.registry) {
    const links: EvidenceLink[] = [];
    const page = registryPage(service);
    if (page)
      links.push({ label: `version ${version}`, url: `${page}/versions/${encodeURIComponent(version)}` });
    const runId = catalog.registry.runIds.get(version);
    const registry = deps.registries?.of(service);
    if (!runId || !registry) return { metrics: {}, links };
    const metrics = await registry.getRunMetrics(runId);
    if (!metrics.ok) throw new Error(`MLflow run metrics: ${metrics.problem}`);
    return { metrics: metrics.value, links };
  }
  const iteration = catalog.iterationsByVersion.get(version)?.[0];
  if (!iteration) return undefined;
  const commit = repo ? commitUrl(repo, iteration.sha) : undefined;
  const links = commit ? [{ label: `commit ${iteration.sha.slice(0, 7)}`, url: commit }] : [];
  if (!service.metricsFile) return { metrics: {}, links };
  const key = `${service.prefix}${iteration.name}/${service.metricsFile}`;
  const text = await deps.bucket.readSmall(service.bucket, key, METRICS_FILE_MAX_BYTES, {
    region: service.awsRegion,
    roleArn: service.awsRoleArn,
  });
  return { metrics: (text && parseMetricsFile(text)) || {}, links };
}
