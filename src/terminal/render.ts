/** Plain-text renderings for the CLI: the same facts as the Slack messages, for a terminal or a runbook. */

import type { VersionRow } from '../domain/overview.js';
import type { Plan } from '../domain/plan.js';
import { describeReason } from '../domain/targets.js';
import { describeHealthError } from '../words/health.js';
import { type ServiceStatus, versionCount } from '../workflows/serviceStatus.js';

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) => `  ${r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  ')}`.trimEnd())
    .join('\n');
}

const day = (d: Date) => d.toISOString().slice(0, 10);

function unavailable(status: ServiceStatus): string[] {
  return status.unavailable.length ? ['Could not read:', ...status.unavailable.map((u) => `  - ${u}`)] : [];
}

export function renderStatus(status: ServiceStatus): string {
  const { service } = status;
  const envRows = status.environments.map((r, i) => {
    const phase = service.environments[i]?.deployPhase ?? '';
    return r.ok
      ? [r.environment, phase, r.modelVersion, r.healthy ? 'healthy' : 'UNHEALTHY', `${r.latencyMs} ms`]
      : [r.environment, phase, `ERROR: ${describeHealthError(r.error)}`, '', `${r.latencyMs} ms`];
  });
  const lines = [
    `${service.name} status`,
    table([['ENVIRONMENT', 'PHASE', 'SERVES', 'HEALTH', 'LATENCY'], ...envRows]),
    service.action === 'registry_alias' && service.mlflow
      ? `Alias ${service.mlflow.alias} of ${service.mlflow.model}: ${status.configuredVersion ?? (status.configured.ok ? 'not set' : 'unknown (MLflow could not be read)')}`
      : status.configured.ok
        ? `Configured on ${status.configured.value.branch}: ${status.configuredVersion ?? 'unreadable'}${
            status.configuredVersion
              ? ` -> CI deploys ${status.configuredResolvesTo ?? 'nothing (no model.zip matches)'}`
              : ''
          }`
        : 'Configured: unknown (GitHub could not be read)',
    ...(status.drift.length ? ['Mismatch:', ...status.drift.map((d) => `  - ${d}`)] : []),
    `Last known good: ${status.lastKnownGood?.iteration?.name ?? (status.catalog.ok ? 'none' : 'unknown')}`,
    ...unavailable(status),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderVersions(status: ServiceStatus, rows: readonly VersionRow[], count: number): string {
  const m = status.service.mlflow;
  // A registry's versions reach production by being the alias's; a bucket's by environment markers.
  const envs = m ? [m.alias] : status.service.environments.map((e) => e.name);
  const shown = rows.slice(0, count);
  // The column only when a shown version carries the mark of a rollback from it.
  const marks = shown.some((r) => r.rolledBack);
  const body = shown.map((r) => {
    const it = r.deploys;
    const where = [...r.servedBy.map((e) => `serves ${e}`), ...(r.configured ? ['configured'] : [])].join(
      ', ',
    );
    return [
      r.version,
      it?.name ?? (r.assessment.resolved ? `${r.assessment.resolved.directory} (!)` : '-'),
      it?.model ? day(it.model.lastModified) : '-',
      it?.validation ?? '-',
      it ? envs.filter((e) => it.reached[e]).join(',') || '-' : '-',
      where || '-',
      r.assessment.safe ? 'safe' : `no: ${r.assessment.reasons.map(describeReason).join('; ')}`,
      ...(marks
        ? [
            r.rolledBack
              ? `rolled back from${r.rolledBack.request ? ` by ${r.rolledBack.request}` : ''}`
              : '-',
          ]
        : []),
    ];
  });
  const lines = [
    `${status.service.name} versions (${shown.length} of ${Math.max(rows.length, versionCount(status))}, newest first)`,
    table([
      [
        'VERSION',
        m ? 'SERVED AS' : 'CI DEPLOYS',
        'DATE',
        'VALIDATION',
        'REACHED',
        'NOW',
        'TARGET',
        ...(marks ? ['ROLLED BACK'] : []),
      ],
      ...body,
    ]),
    ...unavailable(status),
  ];
  return `${lines.join('\n')}\n`;
}

export function renderPlan(service: string, plan: Plan): string {
  const lines = [
    `${service}: plan to roll back to ${plan.targetVersion} (dry run, nothing written)`,
    `  from: ${plan.from.map((f) => `${f.environment} ${f.modelVersion ?? 'unreadable'}`).join(', ')}`,
    plan.aliasMove
      ? `  to:   ${plan.targetVersion}`
      : `  to:   ${plan.targetVersion} -> CI deploys ${plan.targetIteration ?? 'nothing'}`,
    'Checks:',
    ...plan.checks.map((c) => `  [${c.ok ? 'ok' : 'FAIL'}] ${c.text}`),
    plan.aliasMove
      ? `Change: MLflow alias ${plan.aliasMove.alias} of ${plan.aliasMove.model}: ${plan.aliasMove.from ?? 'unset'} -> ${plan.aliasMove.to}`
      : plan.diff
        ? `Diff (${plan.configPath} line ${plan.diff.lineNumber}):\n  - ${plan.diff.before}\n  + ${plan.diff.after}`
        : 'Diff: none',
    plan.ok ? 'Result: would be accepted' : 'Result: would be REFUSED',
  ];
  return `${lines.join('\n')}\n`;
}
