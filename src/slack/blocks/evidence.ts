/** The evidence line of a candidate: its metrics against the live model's, and where it came from. */
import { compareMetrics, metricsSummary } from '../../domain/evidence.js';
import type { Plan } from '../../domain/plan.js';
import type { EvidenceSet } from '../../workflows/evidence.js';
import { joinMd, link, type Mrkdwn, md } from './mrkdwn.js';

/** `:bar_chart: auc 0.912 (+0.004) · rmse 1.21 (−0.03) vs live · version 7`; undefined when nothing is known. */
export function evidenceLine(
  set: EvidenceSet | undefined,
  version: string,
  isLive: boolean,
): Mrkdwn | undefined {
  const evidence = set?.rows.get(version);
  if (!evidence) return undefined;
  // Metric names and values come from MLflow or a file in the bucket: outside text, escaped by md.
  const lines = compareMetrics(evidence.metrics, isLive ? undefined : set?.live?.metrics, set?.keys);
  const metrics = metricsSummary(lines);
  const against = !isLive && lines.some((l) => l.delta !== undefined) ? ' vs live' : '';
  const links = evidence.links.map((l) => link(l.url, l.label));
  const parts = [...(metrics ? [md`${metrics}${against}`] : []), ...links];
  return parts.length ? md`:bar_chart: ${joinMd(parts, ' · ')}` : undefined;
}

/** A short summary for a select option's description (75 characters). */
export function evidenceSummary(set: EvidenceSet | undefined, version: string): string | undefined {
  const evidence = set?.rows.get(version);
  if (!evidence) return undefined;
  const text = metricsSummary(compareMetrics(evidence.metrics, set?.live?.metrics, set?.keys));
  return text ? text.slice(0, 75) : undefined;
}

/** The card's evidence: the target's metrics against the live model's when the request was made. */
export function planEvidenceLine(plan: Plan): Mrkdwn | undefined {
  const e = plan.evidence;
  if (!e?.target) return undefined;
  const set: EvidenceSet = {
    rows: new Map([[plan.targetVersion, e.target]]),
    live: e.live,
    keys: e.keys,
  };
  return evidenceLine(set, plan.targetVersion, false);
}
