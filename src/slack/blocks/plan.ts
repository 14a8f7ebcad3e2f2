/** A plan as Slack text: checks and the one-line diff. Shared by the card, dry runs and refusals. */
import type { Plan } from '../../domain/plan.js';
import { type Block, section } from './kit.js';
import { code, codeBlock, joinMd, type Mrkdwn, md } from './mrkdwn.js';

export const checkLines = (plan: Plan): Mrkdwn =>
  joinMd(
    plan.checks.map((c) => md`${c.ok ? md`:white_check_mark:` : md`:x:`} ${c.text}`),
    '\n',
  );

export function diffText(plan: Plan): Mrkdwn {
  const move = plan.aliasMove;
  if (move) {
    return md`MLflow: ${code(move.alias)} of ${code(move.model)} moves from ${move.from ? code(move.from) : md`_unset_`} to ${code(move.to)}`;
  }
  if (!plan.diff) return md`_no change_`;
  return codeBlock(
    `@@ ${plan.configPath} line ${plan.diff.lineNumber} @@\n- ${plan.diff.before}\n+ ${plan.diff.after}`,
  );
}

export function fromText(plan: Plan): Mrkdwn {
  return joinMd(
    plan.from.map((f) => md`${f.environment} ${f.modelVersion ? code(f.modelVersion) : md`_unreadable_`}`),
    '\n',
  );
}

export function toText(plan: Plan): Mrkdwn {
  // A registry serves the version by its number: nothing to resolve.
  if (plan.aliasMove) return code(plan.targetVersion);
  return md`${code(plan.targetVersion)} → CI deploys ${plan.targetIteration ? code(plan.targetIteration) : md`_nothing_`}`;
}

export function planBlocks(plan: Plan): Block[] {
  return [
    section(md`*Checks*\n${checkLines(plan)}`),
    section(md`*${plan.aliasMove ? 'Change' : 'Diff'}*\n${diffText(plan)}`),
  ];
}
