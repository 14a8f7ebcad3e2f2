/** The deploy checklist of a rollback in flight: PR, merge, and each environment's verification. */
import type { RollbackRequest } from '../../domain/request.js';
import { code } from './kit.js';

export interface EnvLine {
  readonly name: string;
  readonly deployPhase: 'pull_request' | 'merge';
}

const AFTER_PR: readonly string[] = ['pr_open', 'merged', 'completed', 'verify_failed', 'abandoned'];

export function progressLines(
  r: RollbackRequest,
  environments: readonly EnvLine[],
  consecutiveReads: number,
): string[] {
  if (!AFTER_PR.includes(r.state)) return [];
  const envs = r.progress?.envs ?? {};
  const merged = Boolean(r.progress?.mergedAt);
  const target = r.plan.targetIteration ?? r.plan.targetVersion;
  const envLine = (e: EnvLine): string => {
    const p = envs[e.name];
    if (p?.verifiedAt) return `:white_check_mark: ${e.name} serves ${code(target)}`;
    if (p?.failedAt) return `:x: ${e.name} still serves ${code(p.lastSeen ?? 'unknown')}`;
    if (p) {
      return `:hourglass_flowing_sand: ${e.name}: waiting (${p.lastSeen ? `serves ${code(p.lastSeen)}` : 'not read yet'}, ${p.consecutive}/${consecutiveReads} reads)`;
    }
    return `:white_large_square: ${e.name}${e.deployPhase === 'merge' ? ' (after merge)' : ''}`;
  };
  return [
    `:white_check_mark: PR opened${r.pr ? ` <${r.pr.url}|#${r.pr.number}>` : ''}`,
    ...environments.filter((e) => e.deployPhase === 'pull_request').map(envLine),
    merged
      ? `:white_check_mark: merged${r.progress?.mergedBy ? ` by ${r.progress.mergedBy}` : ''}`
      : r.state === 'abandoned'
        ? ':no_entry_sign: closed without merge'
        : ':white_large_square: merged',
    ...environments.filter((e) => e.deployPhase === 'merge').map(envLine),
  ];
}
