/** The deploy checklist of a rollback in flight: PR, merge, and each environment's verification. */
import type { RollbackRequest } from '../../domain/request.js';
import { goldenSummary } from './golden.js';
import { code, link, type Mrkdwn, md } from './mrkdwn.js';

export interface EnvLine {
  readonly name: string;
  readonly deployPhase: 'pull_request' | 'merge';
}

const AFTER_PR: readonly string[] = ['pr_open', 'merged', 'completed', 'verify_failed', 'abandoned'];

export function progressLines(
  r: RollbackRequest,
  environments: readonly EnvLine[],
  consecutiveReads: number,
): Mrkdwn[] {
  if (!AFTER_PR.includes(r.state)) return [];
  const envs = r.progress?.envs ?? {};
  const merged = Boolean(r.progress?.mergedAt);
  const target = r.plan.targetIteration ?? r.plan.targetVersion;
  const envLine = (e: EnvLine): Mrkdwn => {
    const p = envs[e.name];
    const golden = p?.golden?.length ? md` · ${goldenSummary(p.golden)}` : '';
    if (p?.verifiedAt) return md`:white_check_mark: ${e.name} serves ${code(target)}${golden}`;
    if (p?.failedAt && p.golden?.some((g) => !g.ok)) {
      return md`:x: ${e.name} serves ${code(target)}${golden}`;
    }
    if (p?.failedAt) return md`:x: ${e.name} still serves ${code(p.lastSeen ?? 'unknown')}`;
    if (p) {
      return md`:hourglass_flowing_sand: ${e.name}: waiting (${p.lastSeen ? md`serves ${code(p.lastSeen)}` : 'not read yet'}, ${p.consecutive}/${consecutiveReads} reads)`;
    }
    return md`:white_large_square: ${e.name}${e.deployPhase === 'merge' ? ' (after merge)' : ''}`;
  };
  const move = r.plan.aliasMove;
  if (move) {
    // No PR: the alias's move is the deploy, and every environment follows it.
    return [
      merged
        ? md`:white_check_mark: ${code(move.alias)} moved to ${code(move.to)}`
        : md`:white_large_square: move ${code(move.alias)} to ${code(move.to)}`,
      ...environments.map(envLine),
    ];
  }
  return [
    md`:white_check_mark: PR opened${r.pr ? md` ${link(r.pr.url, `#${r.pr.number}`)}` : ''}`,
    ...environments.filter((e) => e.deployPhase === 'pull_request').map(envLine),
    merged
      ? md`:white_check_mark: merged${r.progress?.mergedBy ? md` by ${r.progress.mergedBy}` : ''}`
      : r.state === 'abandoned'
        ? md`:no_entry_sign: closed without merge`
        : md`:white_large_square: merged`,
    ...environments.filter((e) => e.deployPhase === 'merge').map(envLine),
  ];
}
