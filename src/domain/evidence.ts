/**
 * The evidence to choose a rollback target (the runbook: "review the release notes and benchmarks for
 * these models"): each candidate's metrics beside the live model's, with the difference, and links to
 * where it came from (the training commit, the registry's version page). Pure: gathering is in
 * workflows/evidence.ts; words and markup in the renderers.
 */

export interface EvidenceLink {
  readonly label: string;
  readonly url: string;
}

export interface Evidence {
  /** Metric name → value, in the order they are shown. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly links: readonly EvidenceLink[];
}

export interface MetricLine {
  readonly name: string;
  readonly value: number;
  /** value − live value, when the live model has the metric. */
  readonly delta?: number;
}

/** The most metrics a line shows: a card or an option has little room. */
export const MAX_METRICS_SHOWN = 6;

/** A metrics file: a flat JSON object of metric name to finite number. Anything else is ignored. */
export function parseMetricsFile(text: string): Record<string, number> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const metrics: Record<string, number> = {};
  for (const [name, value] of Object.entries(json)) {
    if (typeof value === 'number' && Number.isFinite(value) && name.length <= 64) metrics[name] = value;
  }
  return metrics;
}

/** The candidate's metrics (`keys` when given, in that order; else all), each against the live one's. */
export function compareMetrics(
  candidate: Readonly<Record<string, number>>,
  live: Readonly<Record<string, number>> | undefined,
  keys?: readonly string[],
): MetricLine[] {
  const names = keys && keys.length > 0 ? keys : Object.keys(candidate);
  const lines: MetricLine[] = [];
  for (const name of names) {
    const value = candidate[name];
    if (value === undefined) continue;
    const base = live?.[name];
    lines.push(base === undefined ? { name, value } : { name, value, delta: value - base });
    if (lines.length >= MAX_METRICS_SHOWN) break;
  }
  return lines;
}

/** Four significant digits: enough to compare models, short enough for an option's 75 characters. */
export function formatMetric(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(2);
  return Number(value.toPrecision(4)).toString();
}

/** `+0.004`, `−0.03` (a real minus sign), `±0` for no difference. */
export function formatDelta(delta: number): string {
  if (delta === 0) return '±0';
  return `${delta > 0 ? '+' : '−'}${formatMetric(Math.abs(delta))}`;
}

/** `auc 0.912 (+0.004)` — the line an option or a card shows. */
export function metricsSummary(lines: readonly MetricLine[]): string {
  return lines
    .map(
      (l) => `${l.name} ${formatMetric(l.value)}${l.delta === undefined ? '' : ` (${formatDelta(l.delta)})`}`,
    )
    .join(' · ');
}

/**
 * The repository's web address from a file's (`…/blob/<branch>/<path>`), so GitHub Enterprise works
 * like github.com; the training commit is `<repo>/commit/<sha>`.
 */
export function repoWebUrl(fileHtmlUrl: string): string | undefined {
  const at = fileHtmlUrl.indexOf('/blob/');
  return at > 0 ? fileHtmlUrl.slice(0, at) : undefined;
}

export function commitUrl(repoUrl: string, sha: string): string | undefined {
  return /^[0-9a-f]{7,40}$/.test(sha) ? `${repoUrl}/commit/${sha}` : undefined;
}
